package reconciler.storage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * A small HTTP/1.1 proxy for tests that sits between an S3 client and an S3 server and injects
 * faults: for a configurable fraction of requests it answers {@code 503 SlowDown} with an S3 XML
 * error body, resets the connection before forwarding, or forwards the request and then resets
 * the connection instead of relaying the response (the request took effect, the client never
 * learns). One-shot faults ({@link #failNext}) can also answer 409 ConditionalRequestConflict. It can also drop the {@code If-None-Match} request header, modelling a server that
 * ignores it (the server behind must then not check signatures).
 *
 * <p>It parses just enough HTTP: request and response heads, bodies framed by
 * {@code Content-Length} or chunked transfer coding, keep-alive. {@code Expect: 100-continue} is
 * answered by the proxy itself and not forwarded. Every request is recorded (method, target, fault,
 * {@code User-Agent}, which tells the AWS SDK from Lance's object_store, and whether it carried
 * {@code If-None-Match}).
 *
 * <p>Public, and shipped in storage's test-jar, for the end-to-end fault tests of the {@code it}
 * module (child JVMs reach it over HTTP like any S3 endpoint).
 */
public final class FaultyHttpProxy implements AutoCloseable {

    /** What the proxy does with one request. */
    public enum Fault {
        /** Forward normally. */
        NONE,
        /** Answer 503 SlowDown without forwarding. */
        SLOW_DOWN,
        /** Reset the client connection without forwarding. */
        RESET_BEFORE,
        /** Forward, then reset the client connection instead of relaying the response. */
        RESET_AFTER,
        /** Answer 409 ConditionalRequestConflict without forwarding (use with {@link #failNext}). */
        CONFLICT
    }

    /**
     * One request as received from the client. {@code target} is the raw request target (path and
     * query, percent-encoded as sent); {@code userAgent} is the {@code User-Agent} header or "";
     * {@code ifNoneMatch} whether it carried an {@code If-None-Match} header (a conditional create).
     */
    public record Request(String method, String target, Fault fault, String userAgent, boolean ifNoneMatch) {
        @Override
        public String toString() {
            return method + " " + target + (fault == Fault.NONE ? "" : " [" + fault + "]");
        }
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final Map<Fault, AtomicInteger> counts = new EnumMap<>(Fault.class);
    private final Random random;
    private volatile double slowDown;
    private volatile double resetBefore;
    private volatile double resetAfter;
    private volatile boolean stripIfNoneMatch;
    private volatile BiPredicate<Request, Fault> faultFilter = (r, f) -> true;
    private final List<Map.Entry<Predicate<Request>, Fault>> oneShots = new ArrayList<>();

    /** Starts listening on 127.0.0.1 (random port), forwarding to 127.0.0.1:{@code upstreamPort}; fault draws seeded with 42. */
    public FaultyHttpProxy(int upstreamPort) throws IOException {
        this(upstreamPort, 42);
    }

    /** As {@link #FaultyHttpProxy(int)}, with the seed of the random fault draws. */
    public FaultyHttpProxy(int upstreamPort, long seed) throws IOException {
        this.upstreamPort = upstreamPort;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        for (Fault f : Fault.values()) {
            counts.put(f, new AtomicInteger());
        }
        threads.execute(this::acceptLoop);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Sets the fraction (0..1 each, summing to at most 1) of requests that get each fault. */
    public void setFaultRates(double slowDownRate, double resetBeforeRate, double resetAfterRate) {
        this.slowDown = slowDownRate;
        this.resetBefore = resetBeforeRate;
        this.resetAfter = resetAfterRate;
    }

    /**
     * Which faults drawn from the rates may hit which requests (default: any). A drawn fault the
     * filter refuses is not applied: the request is forwarded normally (and recorded as
     * {@link Fault#NONE}); the random sequence is the same either way. One-shot faults
     * ({@link #failNext}) are not filtered. The filter sees the request with {@link Fault#NONE}.
     */
    public void setFaultFilter(BiPredicate<Request, Fault> allowed) {
        this.faultFilter = allowed;
    }

    /** The next request matching {@code match} gets {@code fault} (takes precedence over rates). */
    public void failNext(Predicate<Request> match, Fault fault) {
        synchronized (oneShots) {
            oneShots.add(Map.entry(match, fault));
        }
    }

    /** Whether to drop the If-None-Match request header (a server that ignores it). */
    public void stripIfNoneMatch(boolean strip) {
        this.stripIfNoneMatch = strip;
    }

    /** Requests seen since the last {@link #resetCounters()}. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** How many requests got {@code fault} since the last reset. */
    public int count(Fault fault) {
        return counts.get(fault).get();
    }

    public void resetCounters() {
        requests.clear();
        counts.values().forEach(c -> c.set(0));
    }

    private Fault decide(Request probe) {
        synchronized (oneShots) {
            for (int i = 0; i < oneShots.size(); i++) {
                if (oneShots.get(i).getKey().test(probe)) {
                    return oneShots.remove(i).getValue();
                }
            }
        }
        double x;
        synchronized (random) {
            x = random.nextDouble();
        }
        Fault drawn = x < slowDown ? Fault.SLOW_DOWN
                : x < slowDown + resetBefore ? Fault.RESET_BEFORE
                : x < slowDown + resetBefore + resetAfter ? Fault.RESET_AFTER
                : Fault.NONE;
        return drawn == Fault.NONE || faultFilter.test(probe, drawn) ? drawn : Fault.NONE;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                threads.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try {
            InputStream cin = new BufferedInputStream(client.getInputStream());
            client.setTcpNoDelay(true);
            OutputStream cout = new BufferedOutputStream(client.getOutputStream(), 64 * 1024);
            InputStream uin = null;
            OutputStream uout = null;
            while (true) {
                Head req = readHead(cin);
                if (req == null) {
                    return;
                }
                String[] parts = req.startLine.split(" ", 3);
                String method = parts[0];
                String target = parts.length > 1 ? parts[1] : "";
                if ("100-continue".equalsIgnoreCase(req.header("expect"))) {
                    cout.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    cout.flush();
                }
                byte[] body = readBody(cin, req, false, 0);
                String userAgent = req.header("user-agent");
                Request seen = new Request(method, target, Fault.NONE, userAgent == null ? "" : userAgent,
                        req.header("if-none-match") != null);
                Fault fault = decide(seen);
                requests.add(new Request(method, target, fault, seen.userAgent(), seen.ifNoneMatch()));
                counts.get(fault).incrementAndGet();
                switch (fault) {
                    case SLOW_DOWN -> {
                        writeError(cout, method, "503 Slow Down", "SlowDown", "Please reduce your request rate.");
                        continue;
                    }
                    case CONFLICT -> {
                        writeError(cout, method, "409 Conflict", "ConditionalRequestConflict",
                                "A conflicting conditional operation is currently in progress against this resource.");
                        continue;
                    }
                    case RESET_BEFORE -> {
                        reset(client);
                        return;
                    }
                    default -> {
                    }
                }
                if (upstream == null || upstream.isClosed()) {
                    upstream = new Socket();
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
                    open.add(upstream);
                    uin = new BufferedInputStream(upstream.getInputStream());
                    upstream.setTcpNoDelay(true);
                    uout = new BufferedOutputStream(upstream.getOutputStream(), 64 * 1024);
                }
                StringBuilder head = new StringBuilder(req.startLine).append("\r\n");
                for (String[] h : req.headers) {
                    String name = h[0].toLowerCase(Locale.ROOT);
                    if (name.equals("expect") || (stripIfNoneMatch && name.equals("if-none-match"))) {
                        continue;
                    }
                    head.append(h[0]).append(": ").append(h[1]).append("\r\n");
                }
                head.append("\r\n");
                uout.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                uout.write(body);
                uout.flush();

                Head resp;
                do {
                    resp = readHead(uin);
                    if (resp == null) {
                        throw new EOFException("upstream closed before responding");
                    }
                } while (resp.status() >= 100 && resp.status() < 200);
                byte[] respBody = readBody(uin, resp, "HEAD".equals(method), resp.status());
                boolean framed = "HEAD".equals(method) || resp.status() == 204 || resp.status() == 304
                        || resp.header("content-length") != null || resp.header("transfer-encoding") != null;
                boolean upstreamCloses = !framed || "close".equalsIgnoreCase(resp.header("connection"));
                if (upstreamCloses) {
                    open.remove(upstream);
                    upstream.close();
                    upstream = null;
                }
                if (fault == Fault.RESET_AFTER) {
                    reset(client);
                    return;
                }
                cout.write((resp.startLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                for (String[] h : resp.headers) {
                    cout.write((h[0] + ": " + h[1] + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                cout.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                cout.write(respBody);
                cout.flush();
                if (upstreamCloses) {
                    client.close();
                    return;
                }
            }
        } catch (IOException e) {
            // the client or upstream went away: drop the connection
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void writeError(OutputStream out, String method, String status, String code, String message) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>faulty-proxy</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        boolean head = "HEAD".equals(method);
        String h = "HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: " + (head ? 0 : xml.length)
                + "\r\n\r\n";
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(xml);
        }
        out.flush();
    }

    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // close() then sends RST
        } catch (IOException e) {
            // already gone
        }
        closeQuietly(s);
    }

    private void closeQuietly(Socket s) {
        if (s != null) {
            open.remove(s);
            try {
                s.close();
            } catch (IOException e) {
                // ignore
            }
        }
    }

    /** A request or response head. */
    private record Head(String startLine, List<String[]> headers) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        int status() {
            String[] p = startLine.split(" ", 3);
            return Integer.parseInt(p[1]);
        }
    }

    /** Reads a head; null on a clean EOF before the first byte. */
    private static Head readHead(InputStream in) throws IOException {
        String start = readLine(in);
        if (start == null) {
            return null;
        }
        List<String[]> headers = new ArrayList<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int c = line.indexOf(':');
            headers.add(new String[] {line.substring(0, c).trim(), line.substring(c + 1).trim()});
        }
        return new Head(start, headers);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        if (b.size() == 0) {
            return null;
        }
        throw new EOFException("truncated line");
    }

    /** Reads a body as raw bytes (chunk framing kept, to be relayed unchanged). */
    private static byte[] readBody(InputStream in, Head h, boolean headResponse, int status) throws IOException {
        if (headResponse || status == 204 || status == 304) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String te = h.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("truncated chunked body");
                }
                out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    for (String t = readLine(in); t != null; t = readLine(in)) {
                        out.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        if (t.isEmpty()) {
                            break;
                        }
                    }
                    return out.toByteArray();
                }
                out.write(in.readNBytes(size + 2)); // data + CRLF
            }
        }
        String cl = h.header("content-length");
        if (cl != null) {
            long n = Long.parseLong(cl.trim());
            byte[] data = in.readNBytes((int) n);
            if (data.length != n) {
                throw new EOFException("truncated body");
            }
            return data;
        }
        if (status == 0) {
            return new byte[0]; // a request without a body
        }
        return in.readAllBytes(); // response delimited by connection close
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
        threads.shutdownNow();
    }
}
