# Driven by tests/install/CMakeLists.txt: cmake -D MODE=... -P install_test.cmake
#   install      cmake --install BUILD_DIR into WORK/prefix; check what landed
#   example_c    examples/c against the prefix (find_package), built and run
#   example_cpp  examples/cpp likewise
#   pkgconfig_c  examples/c/main.c compiled with pkg-config's flags and run
cmake_minimum_required(VERSION 3.25)
set(prefix ${WORK}/prefix)

function(run)  # run(<what> COMMAND ...): fails the test on a non-zero exit
  cmake_parse_arguments(R "" "" "COMMAND" ${ARGN})
  execute_process(COMMAND ${R_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGV0} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# The example's report must show every step.
function(check_example_output text)
  message(STATUS "example output:\n${text}")
  foreach(line "reserved port [0-9]+ for .*:web" "lookup: port [0-9]+"
               "list: 1 reservation\\(s\\)" "released .*:web"
               "lookup after release: not_found" "example: ok")
    if(NOT text MATCHES "${line}")
      message(FATAL_ERROR "the example's output lacks '${line}'")
    endif()
  endforeach()
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE ${WORK})
  run("cmake --install" COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  foreach(f include/trop/trop.h include/trop/trop.hpp include/trop/store.h bin/trop)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  foreach(pattern "lib*/libtrop.a" "lib*/cmake/trop/tropConfig.cmake"
                  "lib*/cmake/trop/tropConfigVersion.cmake" "lib*/cmake/trop/tropTargets.cmake"
                  "lib*/pkgconfig/trop.pc")
    file(GLOB_RECURSE found ${prefix}/${pattern})
    if(NOT found)
      message(FATAL_ERROR "not installed: ${pattern}")
    endif()
  endforeach()
  return()
endif()

if(MODE STREQUAL "example_c" OR MODE STREQUAL "example_cpp")
  string(REPLACE "example_" "" lang ${MODE})
  set(build ${WORK}/build-${lang})
  file(REMOVE_RECURSE ${build})
  run("configuring examples/${lang}" COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/${lang}
      -B ${build} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
      -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
  # The package found must be the one just installed.
  file(STRINGS ${build}/CMakeCache.txt trop_dir REGEX "^trop_DIR:")
  if(NOT trop_dir MATCHES "=${prefix}/")
    message(FATAL_ERROR "find_package(trop) did not use ${prefix}: ${trop_dir}")
  endif()
  run("building examples/${lang}" COMMAND ${CMAKE_COMMAND} --build ${build})
  run("running trop_${lang}_example" COMMAND ${build}/trop_${lang}_example)
  check_example_output("${last_output}")
  return()
endif()

if(MODE STREQUAL "pkgconfig_c")
  file(GLOB_RECURSE pc ${prefix}/lib*/pkgconfig/trop.pc)
  get_filename_component(pc_dir "${pc}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  set(exe ${WORK}/pkgconfig-c/trop_c_example)
  file(MAKE_DIRECTORY ${WORK}/pkgconfig-c)
  # Exactly what docs/c-api.md tells a C user to type.
  run("cc with pkg-config" COMMAND sh -c
      "${C_COMPILER} '${SOURCE_DIR}/examples/c/main.c' $(pkg-config --cflags --libs trop) -o '${exe}'")
  run("pkg-config --modversion" COMMAND pkg-config --modversion trop)
  string(STRIP "${last_output}" version)
  message(STATUS "trop.pc version ${version}")
  run("running the pkg-config build" COMMAND ${exe})
  check_example_output("${last_output}")
  return()
endif()

message(FATAL_ERROR "unknown MODE '${MODE}'")
