/*
 * The ceiling: a minimal policy server that answers "action=DUNNO" to every request, on epoll,
 * one thread per core, each with its own listening socket (SO_REUSEPORT). It reads requests as
 * Postfix sends them (attribute lines ending in an empty line) and does nothing else, so what it
 * does per second is what this machine's network stack allows for this protocol.
 *
 *   cc -O2 -o ceiling bench/c/ceiling.c -lpthread
 *   ./ceiling PORT [THREADS]
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
#include <unistd.h>

#define BUF 65536
static const char REPLY[] = "action=DUNNO\n\n";
static int port;

struct conn {
  int fd;
  int last_nl; /* the previous byte read was '\n' */
};

static int listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
    perror("bind/listen");
    exit(1);
  }
  return fd;
}

static void *serve(void *arg) {
  (void)arg;
  int lfd = listener();
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  struct epoll_event events[256];
  char *buf = malloc(BUF);
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      for (;;) {
        ssize_t r = read(c->fd, buf, BUF);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
          close(c->fd);
          free(c);
          break;
        }
        if (r < 0) break;
        int replies = 0;
        for (ssize_t k = 0; k < r; k++) {
          if (buf[k] == '\n') {
            if (c->last_nl) replies++;
            c->last_nl = 1;
          } else {
            c->last_nl = 0;
          }
        }
        /* one write for every request completed in this read (pipelining clients) */
        for (int k = 0; k < replies; k++) {
          if (write(c->fd, REPLY, sizeof REPLY - 1) < 0) break;
        }
        if (r < BUF) break;
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
    return 2;
  }
  port = atoi(argv[1]);
  int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  pthread_t t[64];
  for (int i = 0; i < threads && i < 64; i++) pthread_create(&t[i], NULL, serve, NULL);
  fprintf(stderr, "ceiling: listening on 127.0.0.1:%d, %d threads\n", port, threads);
  pthread_join(t[0], NULL);
  return 0;
}
