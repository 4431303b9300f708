// Internal to ReadingParser: makes simdjson accept JSON numbers that are valid
// JSON but that its DOM cannot store.
//
// simdjson 3.0.1's DOM fails the whole document with NUMBER_ERROR when a number
// token overflows a double (1e999) or is an integer beyond int64/uint64
// (99999999999999999999). It uses the same error for tokens that are not valid
// JSON at all ("01", "1."), and it stops at the first one, so the rest of the
// document goes unchecked. SPEC §2 needs those cases apart: a number beyond
// double is bad_value, a big integer is just a (huge) number, and a malformed
// token anywhere is malformed_json, which takes precedence.
//
// So on NUMBER_ERROR the parser calls rewrite_unrepresentable_numbers on its own
// copy of the payload and parses again. The rewrite is in place and never
// changes the length, so offsets stay meaningful:
//   - an integer that fits a double becomes that double in exponent form
//     ("18446744073709551617" -> "18446744073709552e3  ");
//   - a number beyond double becomes `null` padded with spaces, and the parser
//     reports it as bad_value if it sits in a known field.
// Tokens that are not valid JSON numbers are left alone, for simdjson to refuse.
//
// Stateless and allocation-free; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vitalsd::ingest_detail {

enum class NumberRewriteKind : std::uint8_t {
  beyond_double,  // replaced by null
  beyond_int64,   // replaced by the same value as a double
};

// A rewritten number that is the value of a member of the top-level object.
struct RewrittenMember {
  std::size_t member_index;  // 0 for the first member of the top-level object
  NumberRewriteKind kind;
  std::size_t offset;  // of the original token in the payload
  std::size_t length;
};

struct NumberRewrites {
  // Only the first few top-level rewrites are remembered; they serve the
  // rejection detail, not the decision, which the rewritten values carry.
  static constexpr std::size_t kMaxRecorded = 16;
  std::array<RewrittenMember, kMaxRecorded> members{};
  std::size_t recorded = 0;
  std::size_t total = 0;  // tokens rewritten anywhere in the document

  const RewrittenMember* find(std::size_t member_index) const {
    for (std::size_t i = 0; i < recorded; ++i) {
      if (members[i].member_index == member_index) return &members[i];
    }
    return nullptr;
  }
};

NumberRewrites rewrite_unrepresentable_numbers(char* json, std::size_t length);

}  // namespace vitalsd::ingest_detail
