package reconciler.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy for tests between ZooKeeper clients (writer and daemon child JVMs) and a ZooKeeper
 * server, making the network faults a real server cannot make by itself:
 * <ul>
 *   <li>{@link #drop()}: every open connection is reset (RST: {@code SO_LINGER 0} then close), and
 *       new connections are accepted and reset at once: a crashed or unreachable server as seen
 *       by the client (connection refused/reset);</li>
 *   <li>{@link #blackhole()}: connections stay open, new ones are accepted, but no byte is
 *       forwarded either way: a network partition (the client sees silence, the server stops
 *       hearing the client's pings and expires its session after {@code sessionTimeout});</li>
 *   <li>{@link #heal()}: forwarding resumes (bytes held during a blackhole are delivered, as TCP
 *       retransmission would) and new connections are forwarded.</li>
 * </ul>
 * One forwarding thread per direction per connection; a ZooKeeper client has one connection.
 */
final class TcpFaultProxy implements AutoCloseable {

    /** What the proxy does now. */
    enum Mode { FORWARD, DROP, BLACKHOLE }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object modeLock = new Object();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;
    private volatile Mode mode;
    private volatile boolean closed;

    /** Starts a proxy on 127.0.0.1 (a free port) forwarding to {@code targetPort} on 127.0.0.1, in {@code initial} mode. */
    TcpFaultProxy(int targetPort, Mode initial) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.mode = initial;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "tcp-fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code 127.0.0.1:<port>}, for a ZooKeeper connect string. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far (in any mode). */
    int accepted() {
        return accepted.get();
    }

    Mode mode() {
        return mode;
    }

    /** Resets every open connection and every new one until {@link #heal()}. */
    void drop() {
        setMode(Mode.DROP);
        for (Socket s : sockets) {
            reset(s);
        }
    }

    /** Stops forwarding (connections stay open, new ones are accepted) until {@link #heal()}. */
    void blackhole() {
        setMode(Mode.BLACKHOLE);
    }

    /** Forwards again. */
    void heal() {
        setMode(Mode.FORWARD);
    }

    private void setMode(Mode m) {
        synchronized (modeLock) {
            mode = m;
            modeLock.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (mode == Mode.DROP) {
                reset(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5000);
            } catch (IOException e) {
                reset(client); // the server itself is down: the client sees a reset
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    private void pump(Socket from, Socket to, String dir) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!awaitForwarding()) {
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a side went away or was reset: end both sides below
            } finally {
                if (mode == Mode.DROP) {
                    reset(from);
                    reset(to);
                } else {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }
        }, "tcp-fault-proxy-" + dir + "-" + from.getPort());
        t.setDaemon(true);
        t.start();
    }

    /** Blocks while blackholed. @return false if the connection must end (dropped or closed) */
    private boolean awaitForwarding() {
        synchronized (modeLock) {
            while (mode == Mode.BLACKHOLE && !closed) {
                try {
                    modeLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return mode == Mode.FORWARD && !closed;
        }
    }

    private void reset(Socket s) {
        sockets.remove(s);
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        setMode(Mode.DROP);
        server.close();
        for (Socket s : sockets) {
            reset(s);
        }
    }
}
