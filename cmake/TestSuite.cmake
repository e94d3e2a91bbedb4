# tw_test_suite(TARGET [THREADED]) registers a GoogleTest executable with ctest as one test: the
# whole executable in one process.
#
# Not gtest_discover_tests (one process per test case): the ~1,700 cases per preset then
# spent most of their time starting sanitizer-instrumented processes (145 s of CPU for the
# asan preset against 24 s run whole). Each case is still reported: scripts/test sets
# GTEST_OUTPUT, and GoogleTest writes one JUnit XML per executable that the summary counts.
# To run some cases alone: TARGET --gtest_filter='Suite.Case*'.
#
# THREADED marks a suite whose code runs on more than one thread (caches, snapshots, worker
# loops, fetch and sync threads): it gets the ctest label `threaded` and joins the target
# `threaded_suites`. The tsan preset in scripts/test builds and runs only those: ThreadSanitizer
# has nothing to find in single-threaded code, and building the rest under it was a quarter of
# a cold CI run's tsan build.
function(tw_test_suite target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "THREADED" "" "")
  add_test(NAME ${target} COMMAND ${target})
  # Generous: the slowest executable (the Redis link's reconnect schedules) takes ~10 s
  # under ThreadSanitizer; a hang still ends.
  set_tests_properties(${target} PROPERTIES TIMEOUT 300)
  if(arg_THREADED)
    set_tests_properties(${target} PROPERTIES LABELS threaded)
    if(NOT TARGET threaded_suites)
      add_custom_target(threaded_suites)
    endif()
    add_dependencies(threaded_suites ${target})
  endif()
endfunction()
