# Project-wide warning set: applied to every machina target through machina_warnings.
add_library(machina_warnings INTERFACE)
target_compile_options(machina_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)
if(MACHINA_WERROR)
  target_compile_options(machina_warnings INTERFACE -Werror)
endif()

# machina_target(NAME): the options every first-party target gets.
function(machina_target name)
  target_link_libraries(${name} PRIVATE machina_warnings)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

# GCC's -Wmaybe-uninitialized misfires inside libstdc++ (<regex>, std::function) when ASan
# instruments the code; keep the warning but not as an error in sanitizer builds.
if(MACHINA_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(machina_warnings INTERFACE -Wno-error=maybe-uninitialized)
endif()
