// Running a piece of a test in a child process (a SystemC kernel elaborates once per
// process): the function's numbers come back; a failure in the child fails the test.
#ifndef TESS_TEST_CHILD_H
#define TESS_TEST_CHILD_H

#include <functional>
#include <string>
#include <vector>

std::vector<double> in_child(const std::function<std::vector<double>()> &fn,
                             std::string *error = nullptr);

#endif
