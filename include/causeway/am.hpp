// SPDX-License-Identifier: BSD-3-Clause
// Typed active messages over shmemx_am_* (doc/active-messages.md). A message<Args...> is a
// registered handler whose payload is its arguments, serialized in order: each argument is a
// trivially copyable value (copied), or a std::span<const T> of trivially copyable T (its length
// and elements; the handler gets a span into the payload, valid while it runs). Anything else
// (pointers, std::string, std::vector...) is a compile error naming the am_argument concept.
//
//   auto add = causeway::message<int, double>::define([](causeway::am_token&, int src, int bin, double w) {
//     histogram[bin] += w;
//   });                                    // collective, like shmemx_am_register
//   add.send(pe, 3, 0.5);                  // runs the lambda on pe with (my pe, 3, 0.5)
//   shmem_quiet();                         // ... and has run when quiet returns
#pragma once

#include <shmemx.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <vector>

#include "causeway/context.hpp"

namespace causeway {

namespace am_detail {
template <class T>
struct span_element {
  using type = void;
};
template <class T, std::size_t N>
struct span_element<std::span<const T, N>> {
  using type = T;
};
// A value copied as it is (a span is trivially copyable too, but its elements are what travel).
template <class T>
concept payload_value = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_reference_v<T> &&
                        std::is_void_v<typename span_element<T>::type>;
}  // namespace am_detail

// What a message argument may be: a trivially copyable value that is not a pointer, or a
// std::span<const T> of such values aligned to at most 8 bytes.
template <class T>
concept am_argument = am_detail::payload_value<T> ||
    (!std::is_void_v<typename am_detail::span_element<T>::type> &&
     am_detail::payload_value<typename am_detail::span_element<T>::type> &&
     alignof(typename am_detail::span_element<T>::type) <= 8 && std::dynamic_extent == T::extent);

// The handler's view of the message it runs: reply at most once.
class am_token {
 public:
  explicit am_token(shmemx_am_token_t t) noexcept : token_(t) {}
  [[nodiscard]] shmemx_am_token_t native_handle() const noexcept { return token_; }

 private:
  shmemx_am_token_t token_;
};

template <am_argument... Args>
class message {
 public:
  using function = std::function<void(am_token&, int src_pe, Args...)>;

  // Collective over every PE (every PE defines the same messages in the same order): registers
  // `f` and returns the message that runs it. Throws std::runtime_error when the table is full.
  static message define(function f) {
    auto& slot = handlers().emplace_back(std::make_unique<function>(std::move(f)));
    const int id = shmemx_am_register(&run, slot.get());
    if (id < 0) throw std::runtime_error("causeway::message: shmemx_am_register failed (1024 handlers)");
    return message(id);
  }

  // Runs the handler on `pe` with these arguments; returns when they may be reused.
  void send(int pe, const Args&... args) const { send(SHMEM_CTX_DEFAULT, pe, args...); }
  void send(context& ctx, int pe, const Args&... args) const { send(ctx.native_handle(), pe, args...); }
  // From inside a handler: runs this message's handler on the sender of `token`'s message.
  void reply(am_token& token, const Args&... args) const {
    const auto& bytes = pack(args...);
    shmemx_am_reply(token.native_handle(), id_, bytes.data(), bytes.size());
  }
  [[nodiscard]] int id() const noexcept { return id_; }

 private:
  explicit message(int id) : id_(id) {}

  void send(shmem_ctx_t ctx, int pe, const Args&... args) const {
    const auto& bytes = pack(args...);
    shmemx_am_send(ctx, pe, id_, bytes.data(), bytes.size());
  }

  static std::deque<std::unique_ptr<function>>& handlers() {
    static std::deque<std::unique_ptr<function>> all;  // freed at exit, after the library is done
    return all;
  }

  static std::size_t align_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

  template <class T>
  static void put(std::vector<std::byte>& out, const T& v) {
    if constexpr (am_detail::payload_value<T>) {
      const std::size_t at = align_up(out.size(), alignof(T) < 8 ? alignof(T) : 8);
      out.resize(at + sizeof(T));
      std::memcpy(out.data() + at, &v, sizeof(T));
    } else {
      using E = typename am_detail::span_element<T>::type;
      put(out, static_cast<std::uint64_t>(v.size()));
      const std::size_t at = align_up(out.size(), alignof(E));
      out.resize(at + v.size_bytes());
      if (!v.empty()) std::memcpy(out.data() + at, v.data(), v.size_bytes());
    }
  }

  template <class T>
  static T get(const std::byte* in, std::size_t& at) {
    if constexpr (am_detail::payload_value<T>) {
      at = align_up(at, alignof(T) < 8 ? alignof(T) : 8);
      T v;
      std::memcpy(&v, in + at, sizeof(T));
      at += sizeof(T);
      return v;
    } else {
      using E = typename am_detail::span_element<T>::type;
      const auto n = get<std::uint64_t>(in, at);
      at = align_up(at, alignof(E));
      // The payload starts 8-byte aligned, so the elements are aligned where they lie.
      const E* first = reinterpret_cast<const E*>(in + at);
      at += n * sizeof(E);
      return T(first, n);
    }
  }

  static const std::vector<std::byte>& pack(const Args&... args) {
    thread_local std::vector<std::byte> bytes;
    bytes.clear();
    (put(bytes, args), ...);
    return bytes;
  }

  static void run(shmemx_am_token_t t, int src, const void* payload, std::size_t, void* user) {
    const auto* in = static_cast<const std::byte*>(payload);
    std::size_t at = 0;
    // Braced initialisation reads the arguments left to right.
    std::tuple<Args...> args{get<Args>(in, at)...};
    am_token token(t);
    std::apply([&](Args&... a) { (*static_cast<function*>(user))(token, src, a...); }, args);
  }

  int id_;
};

}  // namespace causeway
