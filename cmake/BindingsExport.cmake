# tw_export_for_bindings writes ${PROJECT_BINARY_DIR}/tokenwarden-bindings-targets.cmake:
# `root` and every target of ours it links (found by walking the link dependencies, so a new
# library under the core needs no edit here), imported from this build tree as
# tw_prebuilt::<name>. Third-party targets (abseil, simdjson, BoringSSL's archives) are
# imported ones and stay references by name: cmake/BindingCore.cmake defines them before it
# includes the file. That is how a binding links the core this build compiled instead of
# compiling it once more (scripts/test, TW_BINDINGS_CORE_DIR).
function(tw_export_for_bindings root)
  set(ours)
  set(todo ${root})
  while(todo)
    list(POP_FRONT todo target)
    get_target_property(aliased ${target} ALIASED_TARGET)
    if(aliased)
      set(target ${aliased})
    endif()
    get_target_property(imported ${target} IMPORTED)
    if(imported OR target IN_LIST ours)
      continue()
    endif()
    list(APPEND ours ${target})
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(deps ${target} ${property})
      foreach(dep IN LISTS deps)
        # A static library's private dependencies appear in its interface as $<LINK_ONLY:x>.
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
        if(TARGET "${dep}")
          list(APPEND todo ${dep})
        endif()
      endforeach()
    endforeach()
  endwhile()
  export(TARGETS ${ours} NAMESPACE tw_prebuilt::
         FILE ${PROJECT_BINARY_DIR}/tokenwarden-bindings-targets.cmake)
endfunction()
