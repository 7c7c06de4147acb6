# trop_link_static_executable(<target>)
#
# Links <target> fully static and not position-independent, but with the
# start files of a dynamic executable, so that neither the relocations of a
# static-pie binary nor the unwind-table registration of a -static one cost
# anything at start-up (the trop executable: every call is a new process).
#
# * static-pie: the start-up applies ~6,500 relative relocations, and each
#   page of .data.rel.ro and the GOT it writes is a copy-on-write page fault
#   (with the reading of the relocation table, 15 of the ~95 page faults of
#   a `trop reserve`; 24 when the binary is in the page cache as the linker
#   wrote it, not as read back from disk).
# * gcc's plain -static: no relocations, but gcc links crtbeginT.o, whose
#   frame_dummy calls __register_frame_info for the whole .eh_frame, and does
#   not pass --eh-frame-hdr; libgcc's unwinder then finds FDEs through the
#   registered object, and the first throw classifies and sorts every FDE
#   (+1.3 ms of CPU per error path: trop reports errors by exception, and
#   CLI11 throws for --help and --version).
# * Here: -static with crtbegin.o instead of crtbeginT.o (its frame_dummy
#   registers nothing) and --eh-frame-hdr, so that _Unwind_Find_FDE asks
#   glibc (_dl_find_object, or dl_iterate_phdr) for the PT_GNU_EH_FRAME
#   binary-search table, as in a dynamic or static-pie executable.
#
# The start files are chosen by a specs file that is gcc's own *startfile
# spec with crtbeginT.o replaced by crtbegin.o, so that gcc still places
# crt1.o, crti.o and crtbegin.o before the objects and crtend.o and crtn.o
# after the libraries. With another compiler, or when the spec is not as
# expected or the link fails, <target> is linked -static-pie as before.
include_guard(GLOBAL)
include(CheckCXXSourceRuns)

function(trop_link_static_executable target)
  set(specs ${PROJECT_BINARY_DIR}/trop-static-startfiles.specs)
  set(ok OFF)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -dumpspecs
      OUTPUT_VARIABLE dumped RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND dumped MATCHES "\\*startfile:\n([^\n]*)\n")
      set(startfile "${CMAKE_MATCH_1}")
      string(FIND "${startfile}" "static:crtbeginT.o%s" at)
      if(NOT at EQUAL -1)
        string(REPLACE "static:crtbeginT.o%s" "static:crtbegin.o%s"
          startfile "${startfile}")
        file(CONFIGURE OUTPUT ${specs} CONTENT "*startfile:\n${startfile}\n\n" @ONLY)
        set(ok ON)
      endif()
    endif()
  endif()
  set(options -static -Wl,--eh-frame-hdr -specs=${specs})
  if(ok)
    # The link works and an exception thrown in it is caught (a check that
    # the unwinder finds the FDEs at all, not of how fast: a crtbeginT.o
    # link would pass it too).
    set(CMAKE_REQUIRED_LINK_OPTIONS ${options})
    set(CMAKE_REQUIRED_QUIET ON)
    check_cxx_source_runs([[
      #include <stdexcept>
      int main() {
        try {
          throw std::runtime_error("x");
        } catch (const std::exception&) {
          return 0;
        }
        return 1;
      }]] TROP_STATIC_STARTFILES_WORK)
    if(NOT TROP_STATIC_STARTFILES_WORK)
      set(ok OFF)
    endif()
  endif()
  if(ok)
    target_link_options(${target} PRIVATE ${options})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${specs})
  else()
    message(STATUS "${target}: linked -static-pie (no static link with crtbegin.o)")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_link_options(${target} PRIVATE -static-pie)
  endif()
endfunction()
