# `cpack -G DEB` (in the build folder): a Debian package that installs the
# layout of cmake/Install.cmake and enables and starts the service.
#
# The package assumes the default prefix /usr (the unit's paths and the
# conffiles list are computed from it). Run-time dependencies come from
# dpkg-shlibdeps, i.e. exactly the Debian libraries the binary links.

set(CPACK_GENERATOR DEB)
# Package exactly what `cmake --install` lays out, so the unit's paths hold.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; a Debian package wants /usr")
endif()
set(CPACK_PACKAGE_NAME vitalsd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vitalsd maintainers <vitalsd-maintainers@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time clinical vital-signs monitoring daemon")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "vitalsd reads vital signs from wearables over MQTT, evaluates threshold\n"
    "rules and the NEWS2 early-warning score per patient, and publishes alerts\n"
    "on MQTT and Redis. It runs as a hardened systemd service and reloads its\n"
    "rules on SIGHUP.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The maintainer scripts use deb-systemd-helper / deb-systemd-invoke.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, redis-server")

# Every file under /etc/vitalsd is a conffile: dpkg keeps local edits on upgrade.
set(conffiles "${VITALSD_CONFIG_DIR}/vitalsd.toml\n")
foreach(rule_file ${VITALSD_SHIPPED_RULES})
  get_filename_component(name "${rule_file}" NAME)
  string(APPEND conffiles "${VITALSD_CONFIG_DIR}/rules/${name}\n")
endforeach()
vitalsd_write_if_changed("${PROJECT_BINARY_DIR}/debian/conffiles" "${conffiles}")

set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_BINARY_DIR}/debian/conffiles"
    "${PROJECT_SOURCE_DIR}/packaging/debian/postinst"
    "${PROJECT_SOURCE_DIR}/packaging/debian/prerm"
    "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
