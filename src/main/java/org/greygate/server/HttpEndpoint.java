package org.greygate.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for a few pages ({@code /metrics}, {@code /health}): GET and HEAD, and
 * POST to the pages that take it (an API's, with a body of at most {@link #MAX_BODY} bytes), one
 * event loop of its own (a scrape never touches the policy loops), the pages produced on one thread
 * of their own (a slow page never holds the event loop).
 *
 * <p>Hostile clients are bounded: a request's head must arrive whole within {@link
 * Limits#headTimeout()} of its first byte (and of the connection's opening), so a client that sends
 * one byte, or dribbles a byte a second, is closed then; a connection with nothing to do is closed
 * after {@link Limits#idleTimeout()}; the request line and the headers have size caps (414, 431); a
 * request with a body is refused, but a POST's of a declared length of at most {@link #MAX_BODY}
 * (longer: 413 before a byte of it is read; chunked: 411); beyond {@link Limits#maxConnections()} a
 * new connection is closed at once. Each connection has at most one request in hand (pipelined ones
 * wait, unread), so the page thread's queue is bounded by the connection cap.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

  /**
   * One request as a page sees it.
   *
   * @param method {@code GET} or {@code HEAD}
   * @param path the path, as sent (not percent-decoded)
   * @param query the query string without the {@code ?}, empty when there is none
   * @param headers the request's headers, names in lower case, values in the order sent
   * @param body the body of a POST (at most {@link #MAX_BODY} bytes), empty otherwise
   * @param client the client's address
   */
  public record Request(
      String method,
      String path,
      String query,
      Map<String, List<String>> headers,
      byte[] body,
      InetSocketAddress client) {
    public Request {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body);
    }

    /** The values of header {@code name} (any case), empty when absent. */
    public List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of());
    }
  }

  /**
   * A page's answer. For HEAD the endpoint sends the head only, with the body's length.
   *
   * @param headers extra headers (Content-Type, Content-Encoding...); Content-Length and Connection
   *     are the endpoint's
   */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public Response {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body);
    }

    public static Response text(int status, String text) {
      return new Response(
          status,
          Map.of("Content-Type", "text/plain; charset=utf-8"),
          text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Produces a page; called on the endpoint's page thread, one request at a time. */
  @FunctionalInterface
  public interface Page {
    Response get(Request request);
  }

  /**
   * @param headTimeout how long a request's head may take from its first byte (or from the
   *     connection's opening)
   * @param idleTimeout how long a connection may stay open between requests, or wait for its answer
   *     to be taken
   * @param maxConnections connections open at once; beyond, a new one is closed at once
   * @param maxLine the request line's length (414 beyond)
   * @param maxHeaders the headers' total size (431 beyond)
   */
  public record Limits(
      Duration headTimeout, Duration idleTimeout, int maxConnections, int maxLine, int maxHeaders) {
    public static final Limits DEFAULT =
        new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 256, 4096, 8192);

    public Limits {
      if (headTimeout.toMillis() < 1 || idleTimeout.toMillis() < 1) {
        throw new IllegalArgumentException("timeouts must be at least 1 ms");
      }
      if (maxConnections < 1 || maxLine < 64 || maxHeaders < 256) {
        throw new IllegalArgumentException("limits too small: " + maxConnections);
      }
    }
  }

  /** The largest body a POST page is given; a longer one is refused (413) before it is read. */
  public static final int MAX_BODY = 16_384;

  private final Map<String, Page> pages;
  private final Map<String, Page> posts;
  private final Limits limits;
  private final EventLoopGroup loop;
  private final ExecutorService pageThread;
  private final Channel listener;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  /**
   * Listens on {@code address} and serves {@code pages} (path to page).
   *
   * @param name names the threads ({@code NAME-http}, {@code NAME-page})
   * @throws IOException when the address cannot be bound
   */
  public HttpEndpoint(
      InetSocketAddress address, Map<String, Page> pages, Limits limits, String name)
      throws IOException {
    this(address, pages, Map.of(), limits, name);
  }

  /**
   * Listens on {@code address} and serves {@code pages} (GET, HEAD) and {@code posts} (POST, with a
   * body of at most {@link #MAX_BODY} bytes given by its Content-Length, which must arrive with the
   * head within {@link Limits#headTimeout()}).
   *
   * @throws IOException when the address cannot be bound
   */
  public HttpEndpoint(
      InetSocketAddress address,
      Map<String, Page> pages,
      Map<String, Page> posts,
      Limits limits,
      String name)
      throws IOException {
    this.pages = Map.copyOf(pages);
    this.posts = Map.copyOf(posts);
    this.limits = limits;
    Transport transport = Transport.best();
    this.loop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory(name + "-http", true), transport.ioHandlers());
    this.pageThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, name + "-page");
              t.setDaemon(true);
              return t;
            });
    ChannelHandler limiter = new Limiter();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(loop)
            .channel(transport.tcp())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            // one request at a time: the next is read once the answer is written
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    HttpDecoderConfig config =
                        new HttpDecoderConfig()
                            .setMaxInitialLineLength(limits.maxLine())
                            .setMaxHeaderSize(limits.maxHeaders());
                    ch.pipeline()
                        .addLast("limit", limiter)
                        .addLast("deadline", new Deadline())
                        .addLast("http", new HttpServerCodec(config))
                        .addLast("flow", new FlowControlHandler())
                        .addLast("pages", new Dispatch());
                  }
                });
    try {
      this.listener = b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close0();
      throw new IOException("interrupted while binding " + address, e);
    } catch (Exception e) {
      close0();
      throw new IOException(e.getMessage(), e);
    }
  }

  /** Where it listens (the port resolved when 0 was asked). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Counts connections; beyond the cap a new one is closed at once. */
  @ChannelHandler.Sharable
  private final class Limiter extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (open.incrementAndGet() > limits.maxConnections()) {
        open.decrementAndGet();
        long n = refused.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          log.warn(
              "HTTP connection limit {} reached: refusing {} ({} refused so far)",
              limits.maxConnections(),
              ctx.channel().remoteAddress(),
              n);
        }
        ctx.close();
        return;
      }
      ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
      ctx.fireChannelActive();
    }
  }

  /**
   * Closes a connection whose request head is late or that has nothing to do for too long. Before
   * the codec, so it sees the first byte of a head. Event-loop confined.
   */
  private final class Deadline extends ChannelDuplexHandler {
    private boolean waiting = true; // between requests: the next byte starts a head
    private ScheduledFuture<?> timer;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      arm(ctx, limits.headTimeout());
      waiting = false;
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (waiting && msg instanceof ByteBuf b && b.isReadable()) {
        waiting = false;
        arm(ctx, limits.headTimeout());
      }
      ctx.fireChannelRead(msg);
    }

    /** A whole request came: its answer has the idle time to be produced and taken. */
    void requestDecoded(ChannelHandlerContext ctx) {
      arm(ctx, limits.idleTimeout());
    }

    /** The answer is written; the connection may idle until the next request. */
    void answered(ChannelHandlerContext ctx) {
      waiting = true;
      arm(ctx, limits.idleTimeout());
    }

    private void arm(ChannelHandlerContext ctx, Duration d) {
      if (timer != null) timer.cancel(false);
      timer = ctx.executor().schedule(() -> ctx.close(), d.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (timer != null) timer.cancel(false);
      ctx.fireChannelInactive();
    }
  }

  /** Routes a decoded request to its page, answers, then reads the next. Event-loop confined. */
  private final class Dispatch extends ChannelInboundHandlerAdapter {
    private HttpRequest request; // the request whose end is awaited
    private ByteBuf body; // a POST's body so far (at most its Content-Length, at most MAX_BODY)
    private boolean busy; // a page is being produced or written

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.read();
      ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!busy) ctx.read(); // the rest of a head
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (busy) return; // a failed request's remains: it is being closed
        if (msg instanceof HttpRequest r) {
          DecoderResult result = r.decoderResult();
          if (!result.isSuccess()) {
            refuse(ctx, statusOf(result.cause()));
            return;
          }
          if (r.method() == HttpMethod.POST) {
            if (!posts.containsKey(new QueryStringDecoder(r.uri()).rawPath())) {
              refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED);
              return;
            }
            // the length is known before a byte of the body is read: a huge one is never read
            if (HttpUtil.isTransferEncodingChunked(r)) {
              refuse(ctx, HttpResponseStatus.LENGTH_REQUIRED);
              return;
            }
            long length = HttpUtil.getContentLength(r, 0L);
            if (length > MAX_BODY || length < 0) {
              refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
              return;
            }
            body = ctx.alloc().heapBuffer((int) length, (int) length);
          } else if (r.method() != HttpMethod.GET && r.method() != HttpMethod.HEAD) {
            refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED);
            return;
          } else if (HttpUtil.isTransferEncodingChunked(r)
              || HttpUtil.getContentLength(r, 0L) != 0) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST);
            return;
          }
          request = r;
        }
        if (msg instanceof HttpContent c && body != null && request != null) {
          if (c.content().readableBytes() > body.writableBytes()) {
            refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE); // more than announced
            return;
          }
          body.writeBytes(c.content());
        }
        if (msg instanceof LastHttpContent && request != null) {
          HttpRequest r = request;
          request = null;
          byte[] bytes = new byte[0];
          if (body != null) {
            bytes = new byte[body.readableBytes()];
            body.readBytes(bytes);
            body.release();
            body = null;
          }
          busy = true;
          ctx.pipeline().get(Deadline.class).requestDecoded(ctx);
          serve(ctx, r, bytes);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (body != null) {
        body.release();
        body = null;
      }
      ctx.fireChannelInactive();
    }

    private void serve(ChannelHandlerContext ctx, HttpRequest r, byte[] content) {
      boolean head = r.method() == HttpMethod.HEAD;
      boolean keepAlive = HttpUtil.isKeepAlive(r);
      QueryStringDecoder uri = new QueryStringDecoder(r.uri());
      Page page = (r.method() == HttpMethod.POST ? posts : pages).get(uri.rawPath());
      if (page == null) {
        respond(ctx, Response.text(404, "not found\n"), head, keepAlive);
        return;
      }
      Map<String, List<String>> headers = new java.util.HashMap<>();
      for (Map.Entry<String, String> h : r.headers()) {
        headers
            .computeIfAbsent(
                h.getKey().toLowerCase(java.util.Locale.ROOT), k -> new java.util.ArrayList<>())
            .add(h.getValue());
      }
      Request request =
          new Request(
              r.method().name(),
              uri.rawPath(),
              uri.rawQuery(),
              headers,
              content,
              (InetSocketAddress) ctx.channel().remoteAddress());
      try {
        pageThread.execute(
            () -> {
              Response answer;
              try {
                answer = page.get(request);
              } catch (RuntimeException e) {
                log.warn("HTTP {} failed", request.path(), e);
                answer = Response.text(500, "internal error\n");
              }
              Response a = answer;
              ctx.executor().execute(() -> respond(ctx, a, head, keepAlive));
            });
      } catch (RejectedExecutionException e) {
        ctx.close(); // closing down
      }
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status) {
      busy = true;
      request = null;
      if (body != null) {
        body.release();
        body = null;
      }
      respond(ctx, Response.text(status.code(), status.reasonPhrase() + "\n"), false, false);
    }

    private void respond(ChannelHandlerContext ctx, Response a, boolean head, boolean keepAlive) {
      if (!ctx.channel().isActive()) return;
      FullHttpResponse out =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.valueOf(a.status()),
              head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
      a.headers().forEach((k, v) -> out.headers().set(k, v));
      out.headers().set(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
      if (!keepAlive) out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(out)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!keepAlive || !f.isSuccess()) {
                      ctx.close();
                      return;
                    }
                    busy = false;
                    ctx.pipeline().get(Deadline.class).answered(ctx);
                    ctx.read();
                  });
    }
  }

  private static HttpResponseStatus statusOf(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    if (cause instanceof TooLongHttpHeaderException) {
      return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    if (cause instanceof TooLongFrameException) return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    return HttpResponseStatus.BAD_REQUEST;
  }

  @Override
  public void close() {
    if (listener != null) listener.close().awaitUninterruptibly();
    close0();
  }

  private void close0() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    pageThread.shutdownNow();
  }
}
