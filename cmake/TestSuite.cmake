# tw_test_suite(TARGET) registers a GoogleTest executable with ctest as one test: the whole
# executable in one process.
#
# Not gtest_discover_tests (one process per test case): the ~1,700 cases per preset then
# spent most of their time starting sanitizer-instrumented processes (145 s of CPU for the
# asan preset against 24 s run whole). Each case is still reported: scripts/test sets
# GTEST_OUTPUT, and GoogleTest writes one JUnit XML per executable that the summary counts.
# To run some cases alone: TARGET --gtest_filter='Suite.Case*'.
function(tw_test_suite target)
  add_test(NAME ${target} COMMAND ${target})
  # Generous: the slowest executable (the Redis link's reconnect schedules) takes ~10 s
  # under ThreadSanitizer; a hang still ends.
  set_tests_properties(${target} PROPERTIES TIMEOUT 300)
endfunction()
