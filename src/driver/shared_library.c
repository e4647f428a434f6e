/* libtessera.so is every layer's static library whole (CMakeLists.txt); a shared library
 * target needs one source of its own, and this is it. */
typedef int tess_shared_library_has_no_code_of_its_own;
