# Sanitizer and fuzzing builds (README "Fuzzing and sanitizers").
#
# VITALSD_SANITIZE=address  ASan + UBSan; any UB report aborts the test.
# VITALSD_SANITIZE=thread   TSan.
# VITALSD_FUZZ=ON           libFuzzer targets in fuzz/ (clang only), with the
#                           whole daemon instrumented for coverage + ASan/UBSan.
# Each wants its own build directory: flags apply to every target in it.

set(VITALSD_SANITIZE "" CACHE STRING "Sanitizer build: empty, address (ASan+UBSan) or thread (TSan)")
set_property(CACHE VITALSD_SANITIZE PROPERTY STRINGS "" address thread)
option(VITALSD_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)

if(VITALSD_FUZZ AND VITALSD_SANITIZE)
  message(FATAL_ERROR "VITALSD_FUZZ already builds with ASan+UBSan; leave VITALSD_SANITIZE empty")
endif()

if(VITALSD_SANITIZE STREQUAL "address")
  # -fno-sanitize-recover: UBSan otherwise prints and carries on, and a test
  # that passes while printing a runtime error proves nothing.
  set(vitalsd_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
elseif(VITALSD_SANITIZE STREQUAL "thread")
  set(vitalsd_sanitizer_flags -fsanitize=thread -fno-omit-frame-pointer)
  # GCC warns (-Wtsan) that TSan does not model std::atomic_thread_fence,
  # which Boost.Asio's std_fenced_block uses around every handler. Asio's
  # scheduler hands handlers over under its own mutex, which TSan does see,
  # so the warning is noise here, and -Werror would stop the build on it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
elseif(VITALSD_SANITIZE)
  message(FATAL_ERROR "VITALSD_SANITIZE must be empty, 'address' or 'thread', not '${VITALSD_SANITIZE}'")
endif()

if(VITALSD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VITALSD_FUZZ needs clang (libFuzzer): configure with CXX=clang++-14")
  endif()
  # fuzzer-no-link: coverage instrumentation everywhere; only the fuzz
  # executables link libFuzzer's main().
  set(vitalsd_sanitizer_flags -fsanitize=fuzzer-no-link,address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
endif()

if(vitalsd_sanitizer_flags)
  add_compile_options(${vitalsd_sanitizer_flags})
  add_link_options(${vitalsd_sanitizer_flags})
endif()

if(VITALSD_SANITIZE STREQUAL "thread")
  # Built-in suppressions for the uninstrumented Paho library (see the file);
  # link_libraries() reaches every executable defined after this point.
  add_library(vitalsd_tsan_suppressions OBJECT cmake/tsan_suppressions.cpp)
  link_libraries(vitalsd_tsan_suppressions)
endif()
