/*
 * A minimal closed-loop load generator: CONNS connections, each sending one Postfix-shaped policy
 * request (about 900 bytes, 30 attributes) and waiting for the whole answer before the next,
 * driven by THREADS epoll threads. What it reaches against bench/c/ceiling.c is what a generator
 * can do on this machine; `greygate bench` must come within 0.9 of it so it is not what it
 * measures. Prints one line in `greygate bench`'s format.
 *
 *   cc -O2 -o loadgen bench/c/loadgen.c -lpthread
 *   ./loadgen PORT CONNS SECONDS [THREADS] [LABEL]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, conns, threads;
static double seconds;
static char request[2048];
static int request_len;

struct conn {
  int fd;
  long sent_at;
  int tail; /* bytes of "\n\n" seen at the end of the answer so far */
};

struct worker {
  int index, nconns;
  long count;
  long *lat;
  long cap;
};

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void build_request(void) {
  request_len = snprintf(
      request, sizeof request,
      "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
      "helo_name=mx1.sender42.example\nqueue_id=\nsender=news-42x@sender42.example\n"
      "recipient=user42@rcpt.example\nrecipient_count=0\nclient_address=10.0.0.42\n"
      "client_name=mx1.sender42.example\nreverse_client_name=mx1.sender42.example\n"
      "instance=1a2b.3c4d5e.6f708.0\nsasl_method=\nsasl_username=\nsasl_sender=\nsize=0\n"
      "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
      "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\n"
      "encryption_keysize=256\netrn_domain=\nstress=\nclient_port=40042\npolicy_context=\n"
      "server_address=192.0.2.25\nserver_port=25\ncompatibility_level=3.6\n"
      "mail_version=3.7.11\n\n");
}

static void *run(void *arg) {
  struct worker *w = arg;
  int ep = epoll_create1(0);
  struct conn *cs = calloc(w->nconns, sizeof *cs);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < w->nconns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
      perror("connect");
      exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    cs[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  long start = now_ns(), end = start + (long)(seconds * 1e9);
  for (int i = 0; i < w->nconns; i++) {
    cs[i].sent_at = now_ns();
    if (write(cs[i].fd, request, request_len) != request_len) exit(1);
  }
  struct epoll_event events[256];
  char buf[4096];
  int live = w->nconns;
  while (live > 0) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      ssize_t r = read(c->fd, buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "server closed a connection\n");
        exit(1);
      }
      /* the answer ends with an empty line */
      int done = 0;
      for (ssize_t k = 0; k < r; k++) {
        c->tail = buf[k] == '\n' ? c->tail + 1 : 0;
        if (c->tail == 2) done = 1;
      }
      if (!done) continue;
      c->tail = 0;
      long t = now_ns();
      if (w->count < w->cap) w->lat[w->count] = t - c->sent_at;
      w->count++;
      if (t >= end) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        live--;
        continue;
      }
      c->sent_at = t;
      if (write(c->fd, request, request_len) != request_len) exit(1);
    }
  }
  return NULL;
}

static int cmp(const void *x, const void *y) {
  long a = *(const long *)x, b = *(const long *)y;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s PORT CONNS SECONDS [THREADS] [LABEL]\n", argv[0]);
    return 2;
  }
  port = atoi(argv[1]);
  conns = atoi(argv[2]);
  seconds = atof(argv[3]);
  threads = argc > 4 ? atoi(argv[4]) : 2;
  const char *label = argc > 5 ? argv[5] : "c-loadgen";
  if (threads > conns) threads = conns;
  build_request();
  struct worker *ws = calloc(threads, sizeof *ws);
  pthread_t *ts = calloc(threads, sizeof *ts);
  for (int i = 0; i < threads; i++) {
    ws[i].index = i;
    ws[i].nconns = conns / threads + (i < conns % threads);
    ws[i].cap = 20000000;
    ws[i].lat = malloc(ws[i].cap * sizeof(long));
    pthread_create(&ts[i], NULL, run, &ws[i]);
  }
  long total = 0, stored = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(ts[i], NULL);
    total += ws[i].count;
    stored += ws[i].count < ws[i].cap ? ws[i].count : ws[i].cap;
  }
  long *all = malloc((stored + 1) * sizeof(long)), k = 0;
  for (int i = 0; i < threads; i++) {
    long m = ws[i].count < ws[i].cap ? ws[i].count : ws[i].cap;
    memcpy(all + k, ws[i].lat, m * sizeof(long));
    k += m;
  }
  qsort(all, stored, sizeof(long), cmp);
  double p50 = stored ? all[stored / 2] / 1000.0 : 0, p99 = stored ? all[(long)(stored * 0.99)] / 1000.0 : 0;
  printf("%s connections=%d keyspace=1 requests=%ld rps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f "
         "max_us=%.0f errors=0 answers={}\n",
         label, conns, total, total / seconds, p50, p99,
         stored ? all[(long)(stored * 0.999)] / 1000.0 : 0, stored ? all[stored - 1] / 1000.0 : 0);
  return 0;
}
