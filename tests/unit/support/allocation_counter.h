// Counts heap allocations made by the calling thread, so a test can prove a
// hot path allocates nothing:
//
//   const AllocationCounter counter;
//   parser.parse(...);
//   EXPECT_EQ(counter.allocations(), 0U);
//
// Works by replacing the global operator new (all forms) in the unit-test
// binary (allocation_counter.cpp). simdjson and the standard library allocate
// through it; a direct malloc would not be seen.
#pragma once

#include <cstddef>

namespace vitalsd::testing {

// Allocations by operator new on this thread since the thread started.
std::size_t thread_allocation_count();

class AllocationCounter {
 public:
  AllocationCounter() : start_(thread_allocation_count()) {}
  std::size_t allocations() const { return thread_allocation_count() - start_; }

 private:
  const std::size_t start_;
};

}  // namespace vitalsd::testing
