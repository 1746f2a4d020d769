package reconciler.leases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure proof: (what the holder recorded, what this host's kernel says) → DEAD or KEEP. */
class LivenessProofTest {

    static final String BOOT = "e6fad42f-9875-4a48-b37d-5d8290ff9724";
    static final HolderIdentity HOLDER = new HolderIdentity(BOOT, 4026531836L, 4242, 98765, 0x1234abcdL, "x.lock", "h1");
    static final LivenessProof.Host HOST = new LivenessProof.Host(Optional.of(BOOT), Optional.of(4026531836L), true);
    static final Optional<ProcFacts.ProcessState> ABSENT = Optional.of(ProcFacts.ProcessState.ABSENT);

    private static Optional<ProcFacts.ProcessState> running(long start) {
        return Optional.of(new ProcFacts.ProcessState(true, start, false));
    }

    @Test
    void deadWhenThePidIsGoneAfterTheLocalLockWasReleased() {
        LivenessProof.Decision d = LivenessProof.decide(HOLDER, HOST, true, ABSENT);
        assertTrue(d.dead());
        assertEquals("holder pid 4242 dead on this host", d.reason());
    }

    @Test
    void deadWhenThePidWasReusedByAnotherProcess() {
        LivenessProof.Decision d = LivenessProof.decide(HOLDER, HOST, true, running(99999));
        assertTrue(d.dead(), d.reason());
        assertTrue(d.reason().contains("pid reused"), d.reason());
    }

    @Test
    void deadWhenItExitedButIsNotReapedYet() {
        assertTrue(LivenessProof.decide(HOLDER, HOST, true, Optional.of(new ProcFacts.ProcessState(true, 98765, true))).dead());
    }

    @Test
    void keptWhileTheHolderRuns() {
        LivenessProof.Decision d = LivenessProof.decide(HOLDER, HOST, true, running(98765));
        assertFalse(d.dead());
        assertEquals(LivenessProof.Verdict.ALIVE, d.verdict());
        assertEquals("holder pid 4242 alive", d.reason());
    }

    @Test
    void keptWhileTheLocalLockIsHeldWhateverProcSays() {
        assertFalse(LivenessProof.decide(HOLDER, HOST, false, ABSENT).dead());
        assertFalse(LivenessProof.decide(HOLDER, HOST, false, running(1)).dead());
    }

    @Test
    void keptForAnotherHostAnotherNamespaceNoLockFileOrUnknownHost() {
        HolderIdentity remote = new HolderIdentity("another-boot", 4026531836L, 4242, 98765, 1, "x.lock", "h2");
        assertFalse(LivenessProof.decide(remote, HOST, true, ABSENT).dead());
        assertTrue(LivenessProof.notLocal(remote, HOST).orElseThrow().contains("another host"));
        HolderIdentity otherNs = new HolderIdentity(BOOT, 4026532000L, 1, 98765, 1, "x.lock", "h1");
        assertFalse(LivenessProof.decide(otherNs, HOST, true, ABSENT).dead());
        assertTrue(LivenessProof.notLocal(otherNs, HOST).orElseThrow().contains("pid namespace"));
        HolderIdentity noLock = new HolderIdentity(BOOT, 4026531836L, 4242, 98765, 1, HolderIdentity.NO_LOCK, "h1");
        assertFalse(LivenessProof.decide(noLock, HOST, true, ABSENT).dead());
        LivenessProof.Host unknown = new LivenessProof.Host(Optional.empty(), Optional.of(4026531836L), true);
        assertFalse(LivenessProof.decide(HOLDER, unknown, true, ABSENT).dead());
        LivenessProof.Host unknownNs = new LivenessProof.Host(Optional.of(BOOT), Optional.empty(), true);
        assertFalse(LivenessProof.decide(HOLDER, unknownNs, true, ABSENT).dead());
    }

    @Test
    void keptWhenProcCannotBeReadOrHidesProcesses() {
        assertFalse(LivenessProof.decide(HOLDER, HOST, true, Optional.empty()).dead());
        LivenessProof.Host hidden = new LivenessProof.Host(Optional.of(BOOT), Optional.of(4026531836L), false);
        assertFalse(LivenessProof.decide(HOLDER, hidden, true, ABSENT).dead());
        // a reused pid is still proof under hidepid: a visible process with another start time
        assertTrue(LivenessProof.decide(HOLDER, hidden, true, running(1)).dead());
    }

    @Test
    void identityRoundTripsAndRefusesAnythingElse() {
        assertEquals(Optional.of(HOLDER), HolderIdentity.decode(HOLDER.encode()));
        assertEquals("reconciler-holder/1 boot=" + BOOT + " pidns=4026531836 pid=4242 start=98765 session=1234abcd lock=x.lock host=h1",
                new String(HOLDER.encode(), StandardCharsets.UTF_8));
        assertTrue(HolderIdentity.decode(null).isEmpty());
        assertTrue(HolderIdentity.decode("127.0.0.1".getBytes(StandardCharsets.UTF_8)).isEmpty()); // Curator's default data
        String ok = new String(HOLDER.encode(), StandardCharsets.UTF_8);
        for (String bad : new String[] {ok.replace("reconciler-holder/1", "reconciler-holder/2"), ok + " extra=1",
                ok.replace("pid=4242", "pid=-1"), ok.replace("start=98765", "start=x"), ok.replace("lock=x.lock", "lock=../x"),
                ok.replace(" pidns=", "  pidns="), ok.replace("boot=" + BOOT, "boot=")}) {
            assertTrue(HolderIdentity.decode(bad.getBytes(StandardCharsets.UTF_8)).isEmpty(), bad);
        }
    }

    @Test
    void parsesProcStatWithAnyCommandName() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 30 0 98765 1000 50 18446744073709551615";
        assertEquals(Optional.of(new ProcFacts.Stat('S', 98765)), ProcFacts.parseStat(stat));
        assertEquals('Z', ProcFacts.parseStat(stat.replace(") S ", ") Z ")).orElseThrow().state());
        assertTrue(ProcFacts.parseStat("4242 (java) S 1 2").isEmpty());
        assertTrue(ProcFacts.parseStat("garbage").isEmpty());
        assertEquals(Optional.of(4026531836L), ProcFacts.parseNamespaceLink("pid:[4026531836]"));
        assertTrue(ProcFacts.parseNamespaceLink("net:[1]").isEmpty());
    }

    @Test
    void readsThisProcessFromProc() {
        ProcFacts p = ProcFacts.system();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.bootId().isPresent(), "needs Linux /proc");
        long pid = ProcessHandle.current().pid();
        ProcFacts.ProcessState me = p.state(pid).orElseThrow();
        assertTrue(me.present());
        assertFalse(me.exited());
        assertEquals(p.ownStartTime().orElseThrow(), me.startTime());
        assertTrue(p.ownPidNamespace().isPresent());
        assertTrue(p.matchesOwnPidNamespace());
    }
}
