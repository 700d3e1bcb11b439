# v6lb_layer_library(): one library per layer of the host code (host/CMakeLists.txt has the
# layers; docs/ARCHITECTURE.md, "Source layout").

# Builds library NAME from SOURCES with include/ as its public include root and, when the tests
# are built, NAME_asan: the same sources under AddressSanitizer and UBSan for the asan tests.
function(v6lb_layer_library name)
  cmake_parse_arguments(L "ASAN" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
  if(L_ASAN AND V6LB_BUILD_TESTS)
    add_library(${name}_asan STATIC ${L_SOURCES})
    target_include_directories(${name}_asan PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
    set(asan_public "")
    foreach(dep IN LISTS L_PUBLIC)
      if(TARGET ${dep}_asan)
        list(APPEND asan_public ${dep}_asan)
      else()
        list(APPEND asan_public ${dep})
      endif()
    endforeach()
    target_link_libraries(${name}_asan PUBLIC ${asan_public} PRIVATE ${L_PRIVATE})
    target_compile_options(${name}_asan PUBLIC -O1 -g -fsanitize=address,undefined
                           -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${name}_asan PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
