/* SPDX-License-Identifier: BSD-3-Clause */
/* ofi_rma_bw: streaming fi_write (or fi_read) bandwidth between two processes over a libfabric
 * RDM endpoint, with nothing of Causeway in between. It is the raw reference perf/cross_host holds
 * the ofi transport's put and get bandwidth against: fabtests' fi_rma_bw would be, but Debian does
 * not package fabtests. Same shape as cw_bandwidth's put_bw and get_bw: a window of transfers (64,
 * fewer so that a window stays at or under 4 MiB), then wait for every completion; repeated.
 *
 *   ofi_rma_bw -B PORT [options]        the target: registers its buffer and drives progress
 *   ofi_rma_bw -P PORT HOST [options]   the initiator: writes (or reads) and reports
 *   ofi_rma_bw -L [options]             both, in two processes of this host (a smoke test)
 *   options: -p PROVIDER (else FI_PROVIDER, else libfabric's choice), -S BYTES (K, M: KiB, MiB;
 *            default 1M),
 *            -I WINDOWS (default 200), -W TRANSFERS_PER_WINDOW, -R (reads instead of writes; give
 *            it to both sides), -D (writes complete on delivery, as OpenSHMEM's quiet needs, not
 *            when the source is free: the provider's default)
 *
 * Addresses, the buffer's address and key travel over one TCP connection (a socket pair with -L),
 * which also tells the target when to stop. Every byte that arrived is checked. The initiator prints
 * one line, "ofi_rma_bw: provider P size S window W windows N seconds T MB/s R completion C op O"
 * (C: delivery or default; O: write or read). Exit status 0 on success, 1 with a message on any
 * failure, 77 with -L when the provider is not there (a skipped test). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(call)                                                             \
  do {                                                                          \
    int rc_ = (int)(call);                                                      \
    if (rc_ < 0) {                                                              \
      fprintf(stderr, "ofi_rma_bw: %s failed: %s\n", #call, fi_strerror(-rc_)); \
      exit(1);                                                                  \
    }                                                                           \
  } while (0)

static void die(const char *what) {
  fprintf(stderr, "ofi_rma_bw: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* What each side tells the other: its endpoint name, and (the target) where to write. */
struct hello {
  uint64_t name_len;
  uint8_t name[256];
  uint64_t addr; /* remote address of the buffer: virtual, or 0-based without FI_MR_VIRT_ADDR */
  uint64_t key;
};

static void send_all(int fd, const void *p, size_t n) {
  for (const char *c = p; n > 0;) {
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) die("write to peer");
    c += k;
    n -= (size_t)k;
  }
}

static void recv_all(int fd, void *p, size_t n) {
  for (char *c = p; n > 0;) {
    ssize_t k = read(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) {
      fprintf(stderr, "ofi_rma_bw: the peer closed the connection\n");
      exit(1);
    }
    if (k < 0) die("read from peer");
    c += k;
    n -= (size_t)k;
  }
}

static int tcp_connect(const char *host, const char *port) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) die("getaddrinfo");
  /* The target may still be starting: retry for up to 10 s. */
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    close(fd);
    usleep(100000);
  }
  die("connect");
  return -1;
}

static int tcp_accept(const char *port) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (lfd < 0) die("socket");
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0) die("bind/listen");
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0) die("accept");
  close(lfd);
  return fd;
}

struct fabric {
  struct fi_info *info;
  struct fid_fabric *fabric;
  struct fid_domain *domain;
  struct fid_av *av;
  struct fid_cq *cq;
  struct fid_ep *ep;
  struct fid_mr *mr;
};

static void open_fabric(struct fabric *f, const char *provider, void *buf, size_t len, int target,
                        int delivery_complete, int skip_if_missing) {
  struct fi_info *hints = fi_allocinfo();
  hints->caps = FI_RMA;
  hints->ep_attr->type = FI_EP_RDM;
  hints->domain_attr->mr_mode =
      FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
  hints->mode = FI_CONTEXT;
  if (delivery_complete) hints->tx_attr->op_flags = FI_DELIVERY_COMPLETE;
  if (provider) hints->fabric_attr->prov_name = strdup(provider);
  const int found = fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, hints, &f->info);
  if (found == -FI_ENODATA && skip_if_missing) {
    fprintf(stderr, "ofi_rma_bw: no provider %s with RMA on an RDM endpoint here: skipped\n",
            provider ? provider : "");
    exit(77);
  }
  CHECK(found);
  fi_freeinfo(hints);
  CHECK(fi_fabric(f->info->fabric_attr, &f->fabric, NULL));
  CHECK(fi_domain(f->fabric, f->info, &f->domain, NULL));
  struct fi_av_attr av_attr = {.type = FI_AV_TABLE};
  CHECK(fi_av_open(f->domain, &av_attr, &f->av, NULL));
  struct fi_cq_attr cq_attr = {.format = FI_CQ_FORMAT_CONTEXT, .size = 1024};
  CHECK(fi_cq_open(f->domain, &cq_attr, &f->cq, NULL));
  CHECK(fi_endpoint(f->domain, f->info, &f->ep, NULL));
  CHECK(fi_ep_bind(f->ep, &f->av->fid, 0));
  CHECK(fi_ep_bind(f->ep, &f->cq->fid, FI_TRANSMIT | FI_RECV));
  CHECK(fi_enable(f->ep));
  const uint64_t mr_mode = f->info->domain_attr->mr_mode;
  CHECK(fi_mr_reg(f->domain, buf, len, target ? FI_REMOTE_WRITE | FI_REMOTE_READ : FI_WRITE | FI_READ, 0, 0,
                  0, &f->mr, NULL));
  if (mr_mode & FI_MR_ENDPOINT) {
    CHECK(fi_mr_bind(f->mr, &f->ep->fid, 0));
    CHECK(fi_mr_enable(f->mr));
  }
}

/* A byte count with an optional K or M suffix (0 when it is not one). */
static size_t parse_size(const char *text) {
  if (*text < '0' || *text > '9') return 0;
  char *end;
  unsigned long long n = strtoull(text, &end, 10);
  int shift = 0;
  if (*end == 'K' || *end == 'k')
    shift = 10, ++end;
  else if (*end == 'M' || *end == 'm')
    shift = 20, ++end;
  if (*end || n > (SIZE_MAX >> shift)) return 0;
  return (size_t)n << shift;
}

/* Did every byte of the transfer arrive? */
static int all_arrived(const void *buf, size_t size) {
  for (size_t i = 0; i < size; ++i)
    if (((const unsigned char *)buf)[i] != 0x5a) return 0;
  return 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reads what completions there are (none is fine) and returns how many; a failed transfer ends the run. */
static long drain(struct fabric *f) {
  struct fi_cq_entry entries[64];
  ssize_t k = fi_cq_read(f->cq, entries, 64);
  if (k > 0) return (long)k;
  if (k == -FI_EAVAIL) {
    struct fi_cq_err_entry err = {0};
    fi_cq_readerr(f->cq, &err, 0);
    fprintf(stderr, "ofi_rma_bw: transfer failed: %s\n", fi_strerror(err.err));
    exit(1);
  }
  if (k != -FI_EAGAIN) CHECK(k);
  return 0;
}

int main(int argc, char **argv) {
  const char *provider = getenv("FI_PROVIDER"), *port = NULL, *host = NULL;
  int target = 0, delivery_complete = 0, reads = 0, loopback = 0;
  size_t size = 1 << 20;
  long windows = 200, window = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-B") && v)
      target = 1, port = v, ++i;
    else if (!strcmp(a, "-P") && v && i + 2 < argc)
      port = v, host = argv[i + 2], i += 2;
    else if (!strcmp(a, "-p") && v)
      provider = v, ++i;
    else if (!strcmp(a, "-S") && v)
      size = parse_size(v), ++i;
    else if (!strcmp(a, "-I") && v)
      windows = strtol(v, NULL, 0), ++i;
    else if (!strcmp(a, "-W") && v)
      window = strtol(v, NULL, 0), ++i;
    else if (!strcmp(a, "-D"))
      delivery_complete = 1;
    else if (!strcmp(a, "-R"))
      reads = 1;
    else if (!strcmp(a, "-L"))
      loopback = 1;
    else {
      fprintf(stderr,
              "usage: ofi_rma_bw -B PORT | -P PORT HOST | -L [-p PROVIDER] [-S BYTES] [-I WINDOWS] "
              "[-W TRANSFERS] [-R] [-D]\n");
      return 1;
    }
  }
  if ((!port && !loopback) || size == 0 || windows <= 0) {
    fprintf(stderr, "ofi_rma_bw: give -B PORT, -P PORT HOST or -L, and positive -S and -I\n");
    return 1;
  }
  if (window <= 0) window = (long)((4u << 20) / size); /* cw_bandwidth's rule: 64, or 4 MiB a window */
  if (window > 64) window = 64;
  if (window < 1) window = 1;

  int sock = -1;
  pid_t child = -1;
  if (loopback) { /* the target is a child process, told everything over a socket pair */
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
    if ((child = fork()) < 0) die("fork");
    target = child == 0;
    sock = pair[target];
    close(pair[!target]);
  }

  void *buf = NULL;
  if ((errno = posix_memalign(&buf, 4096, size)) != 0) die("posix_memalign");
  const int source = reads ? target : !target; /* the side whose bytes travel */
  memset(buf, source ? 0x5a : 0, size);
  struct fabric f = {0};
  open_fabric(&f, provider, buf, size, target, delivery_complete, loopback);
  if (!loopback) sock = target ? tcp_accept(port) : tcp_connect(host, port);

  struct hello mine = {0}, theirs;
  size_t name_len = sizeof mine.name;
  CHECK(fi_getname(&f.ep->fid, mine.name, &name_len));
  mine.name_len = name_len;
  mine.addr = (f.info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) ? (uint64_t)(uintptr_t)buf : 0;
  mine.key = fi_mr_key(f.mr);
  send_all(sock, &mine, sizeof mine);
  recv_all(sock, &theirs, sizeof theirs);
  fi_addr_t peer;
  if (fi_av_insert(f.av, theirs.name, 1, &peer, 0, NULL) != 1) {
    fprintf(stderr, "ofi_rma_bw: fi_av_insert failed\n");
    return 1;
  }

  if (target) {
    /* Manual-progress providers serve the transfers only while the target reads its queue. */
    struct pollfd p = {.fd = sock, .events = POLLIN};
    for (unsigned long spins = 1;; ++spins) {
      (void)drain(&f);
      if (spins % 256 == 0 && poll(&p, 1, 0) > 0) break;
    }
    char done;
    recv_all(sock, &done, 1);
    /* With the default completion the initiator may finish before the last data is placed here. */
    for (const double give_up = now() + 10; !reads && !all_arrived(buf, size); (void)drain(&f))
      if (now() > give_up) {
        fprintf(stderr, "ofi_rma_bw: the written data did not arrive\n");
        return 1;
      }
  } else {
    void *desc = fi_mr_desc(f.mr);
    struct fi_context ctx[64];
    const long warmup = windows / 10 + 1;
    double start = 0;
    for (long w = -warmup; w < windows; ++w) {
      if (w == 0) start = now();
      long outstanding = 0;
      for (long i = 0; i < window; ++i) {
        ssize_t rc;
        while ((rc = (reads ? fi_read(f.ep, buf, size, desc, peer, theirs.addr, theirs.key, &ctx[i])
                            : fi_write(f.ep, buf, size, desc, peer, theirs.addr, theirs.key, &ctx[i]))) ==
               -FI_EAGAIN)
          outstanding -= drain(&f);
        CHECK(rc);
        ++outstanding;
      }
      while (outstanding > 0) outstanding -= drain(&f);
    }
    const double seconds = now() - start;
    if (reads && !all_arrived(buf, size)) {
      fprintf(stderr, "ofi_rma_bw: the read data did not arrive\n");
      return 1;
    }
    printf(
        "ofi_rma_bw: provider %s size %zu window %ld windows %ld seconds %.6f MB/s %.1f completion %s op "
        "%s\n",
        f.info->fabric_attr->prov_name, size, window, windows, seconds,
        (double)size * (double)window * (double)windows / seconds / 1e6,
        delivery_complete ? "delivery" : "default", reads ? "read" : "write");
    send_all(sock, "x", 1);
  }
  close(sock);
  fi_close(&f.mr->fid);
  fi_close(&f.ep->fid);
  fi_close(&f.cq->fid);
  fi_close(&f.av->fid);
  fi_close(&f.domain->fid);
  fi_close(&f.fabric->fid);
  fi_freeinfo(f.info);
  free(buf);
  if (child > 0) {
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "ofi_rma_bw: the target process failed\n");
      return 1;
    }
  }
  return 0;
}
