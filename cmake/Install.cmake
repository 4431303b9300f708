# `cmake --install`: the FHS layout the service expects (SPEC §7).
#
#   ${CMAKE_INSTALL_FULL_BINDIR}/vitalsd                       /usr/bin/vitalsd
#   ${CMAKE_INSTALL_FULL_SYSCONFDIR}/vitalsd/vitalsd.toml      /etc/vitalsd/vitalsd.toml
#   ${CMAKE_INSTALL_FULL_SYSCONFDIR}/vitalsd/rules/*.toml      /etc/vitalsd/rules/*.toml
#   <prefix>/lib/systemd/system/vitalsd.service                /usr/lib/systemd/system/vitalsd.service
#   ${CMAKE_INSTALL_DOCDIR}/README.md                          /usr/share/doc/vitalsd/README.md
#
# (right: with the default prefix /usr; GNUInstallDirs puts the config in
# /etc for that prefix.) The installed unit is systemd/vitalsd.service with its
# paths rewritten to match this layout, so they agree for any prefix.
# Included from the top-level CMakeLists.txt after every target is defined.

set(VITALSD_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/vitalsd")
set(VITALSD_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes, relative to CMAKE_INSTALL_PREFIX (/usr/lib/systemd/system)")
set(staging "${PROJECT_BINARY_DIR}/install-staging")

# Writes `content` to `file` only when it differs, so that reconfiguring does
# not touch the file and make the install step look out of date.
function(vitalsd_write_if_changed file content)
  if(EXISTS "${file}")
    file(READ "${file}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${file}" "${content}")
endfunction()

# Replaces `from` by `to` in `var`, failing loudly if `from` is not there:
# an edit to the source file must not silently ship a wrong path.
function(vitalsd_replace_required var from to what)
  string(FIND "${${var}}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what} no longer contains '${from}'; update cmake/Install.cmake")
  endif()
  string(REPLACE "${from}" "${to}" replaced "${${var}}")
  set(${var} "${replaced}" PARENT_SCOPE)
endfunction()

set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${PROJECT_SOURCE_DIR}/config/vitalsd.toml"
  "${PROJECT_SOURCE_DIR}/systemd/vitalsd.service")

# config/vitalsd.toml names "../rules" because rules/ is config/'s sibling in
# the source tree; installed, the rules sit in a folder beside the config.
file(READ "${PROJECT_SOURCE_DIR}/config/vitalsd.toml" config_text)
vitalsd_replace_required(config_text "path = \"../rules\"" "path = \"rules\"" "config/vitalsd.toml")
vitalsd_write_if_changed("${staging}/vitalsd.toml" "${config_text}")

file(READ "${PROJECT_SOURCE_DIR}/systemd/vitalsd.service" unit_text)
vitalsd_replace_required(unit_text "/usr/bin/vitalsd" "${CMAKE_INSTALL_FULL_BINDIR}/vitalsd"
                         "systemd/vitalsd.service")
vitalsd_replace_required(unit_text "/etc/vitalsd/" "${VITALSD_CONFIG_DIR}/"
                         "systemd/vitalsd.service")
vitalsd_replace_required(unit_text "file:///usr/share/doc/vitalsd/"
                         "file://${CMAKE_INSTALL_FULL_DOCDIR}/" "systemd/vitalsd.service")
vitalsd_write_if_changed("${staging}/vitalsd.service" "${unit_text}")

install(TARGETS vitalsd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES "${staging}/vitalsd.toml" DESTINATION "${VITALSD_CONFIG_DIR}")
file(GLOB VITALSD_SHIPPED_RULES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/rules/*.toml")
install(FILES ${VITALSD_SHIPPED_RULES} DESTINATION "${VITALSD_CONFIG_DIR}/rules")
install(FILES "${staging}/vitalsd.service" DESTINATION "${VITALSD_SYSTEMD_UNIT_DIR}")
if(EXISTS "${PROJECT_SOURCE_DIR}/README.md")
  install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
endif()
