# Configures and builds examples/cmake-ctest in two build trees, then runs
# `ctest -j8` in both at the same time against one trop store: passes only
# when every test passes in both trees (a test fails when a port it was
# handed is in use by another one) and every reservation has its own port.
#
#   cmake -D TROP=<trop> -D SOURCE_DIR=<trop source> -D WORK=<scratch dir>
#         -D GENERATOR=<generator> -D CXX_COMPILER=<c++> -D CTEST=<ctest>
#         -P run_example.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var TROP SOURCE_DIR WORK GENERATOR CXX_COMPILER CTEST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_example.cmake: -D ${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/data")
# One store for both trees, and a range of its own, away from the ports the
# other test suites probe.
set(ENV{TROP_DATA_DIR} "${WORK}/data")
set(ENV{TROP_PORT_MIN} 21000)
set(ENV{TROP_PORT_MAX} 21999)
set(ENV{ECHO_CHECK_HOLD_MS} 300)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
endfunction()

foreach(tree a b)
  run("configure ${tree}" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/cmake-ctest"
    -B "${WORK}/${tree}" -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DTROP_EXECUTABLE=${TROP}")
  run("build ${tree}" "${CMAKE_COMMAND}" --build "${WORK}/${tree}" -j2)
endforeach()

# The commands of one execute_process run at the same time (a pipeline);
# -Q keeps the first one's stdout empty, so the pipe never fills.
execute_process(
  COMMAND "${CTEST}" --test-dir "${WORK}/a" -j8 -Q --output-log "${WORK}/a.log"
  COMMAND "${CTEST}" --test-dir "${WORK}/b" -j8 -Q --output-log "${WORK}/b.log"
  RESULTS_VARIABLE codes OUTPUT_QUIET ERROR_VARIABLE err)
file(READ "${WORK}/a.log" log_a)
file(READ "${WORK}/b.log" log_b)
if(NOT codes STREQUAL "0;0")
  message(FATAL_ERROR "ctest exit codes ${codes} (tree a; tree b)\n${err}\n"
    "--- tree a ---\n${log_a}\n--- tree b ---\n${log_b}")
endif()
foreach(tree a b)
  if(NOT log_${tree} MATCHES "100% tests passed, 0 tests failed out of ([0-9]+)")
    message(FATAL_ERROR "tree ${tree}: not every test passed:\n${log_${tree}}")
  endif()
  set(count_${tree} ${CMAKE_MATCH_1})
endforeach()

# Every key of both trees has its own port.
execute_process(COMMAND "${TROP}" list RESULT_VARIABLE rc OUTPUT_VARIABLE listing)
string(REGEX MATCHALL "\n[0-9]+\t" ports "${listing}")
list(LENGTH ports total)
list(REMOVE_DUPLICATES ports)
list(LENGTH ports distinct)
if(NOT rc EQUAL 0 OR total LESS 20 OR NOT total EQUAL distinct)
  message(FATAL_ERROR "trop list (${rc}): ${total} reservations, ${distinct} distinct ports:\n${listing}")
endif()
message(STATUS "examples/cmake-ctest: ${count_a} + ${count_b} tests passed in two concurrent "
  "trees; ${total} reservations, all on distinct ports")
