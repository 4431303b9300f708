// PatientTable<T>: one worker's patients by id, for the per-reading lookup.
//
// An open-addressing index (linear probing over 16-byte slots: the id's full
// hash and a pointer) in front of individually allocated states. Why not
// std::unordered_map: its lookup walks bucket -> the node before the bucket's
// first -> the node, three dependent cache misses once a ward no longer fits
// in the cache (a quarter of the worker path's time at 100,000 patients);
// here it is slot -> state, two, and the state is needed anyway.
//
// States never move once created (SignalWatch and the analyzer's lists hold
// them by address); only slots move, on growth and on erase (backward-shift
// deletion, so no tombstones accumulate as idle patients are forgotten).
//
// T must be default-constructible and have a member `id` whose `view()` is
// the key. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace vitalsd {

template <class T, class Hash = std::hash<std::string_view>>
class PatientTable {
 public:
  PatientTable() = default;
  PatientTable(const PatientTable&) = delete;
  PatientTable& operator=(const PatientTable&) = delete;
  ~PatientTable() { clear(); }

  std::size_t size() const { return size_; }

  T* find(std::string_view id) const { return find(id, Hash{}(id)); }

  // The state for `id`, and true if it was created just now (default-
  // constructed: the caller sets its id before the next lookup).
  std::pair<T*, bool> find_or_create(std::string_view id) {
    const std::size_t h = Hash{}(id);
    if (T* found = find(id, h)) return {found, false};
    if ((size_ + 1) * kMaxLoadDen > slots_.size() * kMaxLoadNum) grow();
    auto state = std::make_unique<T>();
    T* raw = state.get();
    place(Slot{h, raw});
    state.release();
    ++size_;
    return {raw, true};
  }

  // Destroys the state stored under `id`; false if there is none.
  bool erase(std::string_view id) {
    if (size_ == 0) return false;
    const std::size_t h = Hash{}(id);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].state == nullptr) return false;
      if (slots_[i].hash == h && slots_[i].state->id.view() == id) break;
    }
    delete slots_[i].state;
    --size_;
    // Backward shift: pull later members of the probe run into the hole
    // when the hole lies between their home slot and where they sit.
    for (std::size_t j = (i + 1) & mask_; slots_[j].state != nullptr; j = (j + 1) & mask_) {
      const std::size_t home = slots_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    return true;
  }

  // Calls f(T&) for every state, in no particular order. f must not insert
  // or erase.
  template <class F>
  void for_each(F&& f) {
    for (const Slot& s : slots_) {
      if (s.state != nullptr) f(*s.state);
    }
  }

  void clear() {
    for (Slot& s : slots_) {
      delete s.state;
      s = Slot{};
    }
    size_ = 0;
  }

 private:
  struct Slot {
    std::size_t hash = 0;
    T* state = nullptr;  // owned; null = empty slot
  };
  // At most half full: short probe runs keep a miss (a new patient) cheap too.
  static constexpr std::size_t kMaxLoadNum = 1;
  static constexpr std::size_t kMaxLoadDen = 2;
  static constexpr std::size_t kMinSlots = 16;

  T* find(std::string_view id, std::size_t h) const {
    if (size_ == 0) return nullptr;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.state == nullptr) return nullptr;
      if (s.hash == h && s.state->id.view() == id) return s.state;
    }
  }

  void place(Slot s) {
    std::size_t i = s.hash & mask_;
    while (slots_[i].state != nullptr) i = (i + 1) & mask_;
    slots_[i] = s;
  }

  void grow() {
    std::vector<Slot> old(slots_.empty() ? kMinSlots : slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.state != nullptr) place(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace vitalsd
