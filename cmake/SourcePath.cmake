# tw_source_path(TARGET): TARGET reads files of the checkout through tests/source_path.h. It
# gets TW_EXE_TO_SOURCE, the path from the directory its executable is written to up to the
# checkout: relative, so the compile command is the same in every clone and ccache hits
# across clones (an absolute path in a definition made every clone at another place
# recompile the whole target).
function(tw_source_path target)
  get_target_property(dir ${target} RUNTIME_OUTPUT_DIRECTORY)
  if(NOT dir)
    get_target_property(dir ${target} BINARY_DIR)
  endif()
  file(RELATIVE_PATH up "${dir}" "${PROJECT_SOURCE_DIR}")
  string(REGEX REPLACE "/$" "" up "${up}")
  if(up STREQUAL "")
    set(up ".")
  endif()
  target_compile_definitions(${target} PRIVATE TW_EXE_TO_SOURCE="${up}")
endfunction()
