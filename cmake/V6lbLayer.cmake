# v6lb_layer_library(): one library per layer of the host code (host/CMakeLists.txt has the
# layers; docs/ARCHITECTURE.md, "Source layout").

# Builds library NAME from SOURCES with include/ as its public include root. The sanitizer builds
# (tests/sanitize) build the same libraries again in a sub-build of the whole tree.
function(v6lb_layer_library name)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
endfunction()
