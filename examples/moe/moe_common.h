/* SPDX-License-Identifier: BSD-3-Clause
 * The Mixture-of-Experts problem both MoE examples solve (moe_cpu.c over the host API, moe_cuda.cu
 * with device kernels): routing, token data, the experts and the reference, all deterministic, so
 * any PE can recompute what any other PE holds. Plain C99, usable from C, C++ and CUDA host code.
 *
 * Every PE holds `tokens` tokens of `hidden` values. Each token picks `top_k` distinct experts out of
 * `experts` (experts / n_pes per PE, PE q owns experts [q * per_pe, (q + 1) * per_pe)) with weights
 * summing to 1. Dispatch sends each (token, k) row to the expert's PE; the expert applies
 * moe_expert(e, v); combine returns the outputs and the token's PE sums them with its weights. */
#ifndef CAUSEWAY_EXAMPLES_MOE_COMMON_H
#define CAUSEWAY_EXAMPLES_MOE_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum moe_routing {
  MOE_ROUTING_RANDOM = 0, /* top_k distinct experts, uniformly */
  MOE_ROUTING_HOT = 1,    /* every token's first choice is expert 0: one PE receives every token */
  MOE_ROUTING_SPARSE =
      2, /* only even experts are ever chosen: half the experts (and maybe PEs) get nothing */
};

typedef struct {
  int tokens; /* per PE */
  int hidden; /* values per row */
  int top_k;
  int experts; /* in all: a multiple of the PE count */
  int routing; /* enum moe_routing */
  uint64_t seed;
} moe_config;

static inline uint64_t moe_mix(uint64_t x) { /* splitmix64's finaliser: a cheap, good hash */
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* The experts token `t` of PE `pe` is routed to (distinct) and their weights (summing to 1). */
static inline void moe_route(const moe_config* c, int pe, int t, int* expert, float* weight) {
  const int choices = c->routing == MOE_ROUTING_SPARSE ? (c->experts + 1) / 2 : c->experts;
  float sum = 0;
  for (int k = 0; k < c->top_k; ++k) {
    int e;
    uint64_t h = moe_mix(c->seed ^ ((uint64_t)pe << 40) ^ ((uint64_t)t << 8) ^ (uint64_t)k);
    if (k == 0 && c->routing == MOE_ROUTING_HOT) {
      e = 0;
    } else {
      for (;;) { /* rejection keeps the choices distinct; top_k <= choices is checked at parse time */
        int seen = 0;
        e = (int)(h % (uint64_t)choices);
        if (c->routing == MOE_ROUTING_SPARSE) e *= 2;
        for (int j = 0; j < k; ++j) seen |= expert[j] == e;
        if (!seen) break;
        h = moe_mix(h);
      }
    }
    expert[k] = e;
    weight[k] = 1.0f + (float)(moe_mix(h) % 1000) / 1000.0f;
    sum += weight[k];
  }
  for (int k = 0; k < c->top_k; ++k) weight[k] /= sum;
}

/* Token t of PE pe, element h: small values so sums stay exact enough to compare tightly. */
static inline float moe_token_value(int pe, int t, int h) {
  return (float)((pe * 131 + t * 31 + h * 7) % 97) / 97.0f - 0.5f;
}

/* Expert e's function, elementwise (a stand-in for its MLP that any PE can check). */
static inline float moe_expert(int e, float v) { return v * (1.0f + (float)e / 16.0f) + (float)e * 0.01f; }

/* Parses "name=value" settings; returns 0, or -1 with a message in `error`. */
static inline int moe_parse(moe_config* c, int n_pes, int argc, char** argv, char* error, size_t size) {
  c->tokens = 128;
  c->hidden = 1024;
  c->top_k = 4;
  c->experts = 8 * n_pes;
  c->routing = MOE_ROUTING_RANDOM;
  c->seed = 1;
  for (int i = 1; i < argc; ++i) {
    const char* eq = strchr(argv[i], '=');
    long v = eq ? strtol(eq + 1, NULL, 10) : 0;
    if (!eq) continue; /* other arguments belong to the example */
    if (!strncmp(argv[i], "tokens=", 7))
      c->tokens = (int)v;
    else if (!strncmp(argv[i], "hidden=", 7))
      c->hidden = (int)v;
    else if (!strncmp(argv[i], "top_k=", 6))
      c->top_k = (int)v;
    else if (!strncmp(argv[i], "experts=", 8))
      c->experts = (int)v;
    else if (!strncmp(argv[i], "seed=", 5))
      c->seed = (uint64_t)v;
    else if (!strncmp(argv[i], "routing=", 8)) {
      const char* r = eq + 1;
      c->routing = !strcmp(r, "hot")      ? MOE_ROUTING_HOT
                   : !strcmp(r, "sparse") ? MOE_ROUTING_SPARSE
                   : !strcmp(r, "random") ? MOE_ROUTING_RANDOM
                                          : -1;
    }
  }
  const int choices = c->routing == MOE_ROUTING_SPARSE ? (c->experts + 1) / 2 : c->experts;
  const char* bad =
      c->tokens < 0                              ? "tokens must be >= 0"
      : c->hidden < 2 || c->hidden % 2           ? "hidden must be even and >= 2"
      : c->experts < n_pes || c->experts % n_pes ? "experts must be a positive multiple of the PE count"
      : c->routing < 0                           ? "routing must be random, hot or sparse"
      : c->top_k < 1 || c->top_k > choices       ? "top_k must be in [1, the experts routing may choose]"
                                                 : NULL;
  if (bad) {
    snprintf(error, size, "%s (tokens=%d hidden=%d top_k=%d experts=%d)", bad, c->tokens, c->hidden, c->top_k,
             c->experts);
    return -1;
  }
  return 0;
}

#endif
