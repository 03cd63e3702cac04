package io.github.redismutex;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LockStore} of Redlock: the same scripts on N independent Redis servers ({@link LettuceLockStore} each,
 * marking locks as awaited but queueing nobody), sent to all of them at once, with a majority deciding. A lock is
 * held when a majority of servers hold its key for the caller's token. Every call is decided as soon as its outcome
 * is certain, a majority for it or against it ({@link MajorityVote}), so a stalled minority slows down neither a
 * success nor a failure.
 *
 * <ul>
 *   <li>Acquire: acquired on a majority within the lease less the time the attempt took and the clock allowance
 *       ({@link ClockDrift}). Once it has certainly failed, the attempt is released, right then, on every server that
 *       acquired or has not answered yet: each release goes out on that server's connection before this
 *       acquisition's next attempt, which uses the same token, so it runs after the late attempt it undoes and
 *       before the next one, whatever the server's delay.
 *   <li>Renew, extend, release: sent to all; the answer of a majority counts.
 *   <li>Fencing tokens: drawn in two rounds. First every server draws its next token; the highest of a majority's
 *       answers, T, is then raised to on every server (the counter becomes at least T), and T is the token once a
 *       majority confirmed. Any later draw's first round reaches a server that still holds at least T, so it hands
 *       out more than T, as long as a majority of servers kept their counters in between: tokens grow across holds
 *       although each server counts on its own and servers restart empty one at a time.
 * </ul>
 * A majority of servers unreachable is reported as a {@code RedisConnectionException}, which callers retry as an
 * outage. Conditions are not offered ({@link Deployment#conditions()}): their queues would need the same quorum
 * logic. Thread-safe: the servers' stores are, and each call's state is its own.
 */
final class RedlockLockStore implements LockStore {
  /**
   * How long an acquisition whose vote is split (acquired on some servers, held on others) waits for the servers
   * that have not answered once a majority has: a healthy server answers within a millisecond of the others; a
   * stalled one could hold the vote open until the command timeout, past a caller's deadline.
   */
  static final long STRAGGLER_PATIENCE_MILLIS = 50;

  private final List<LettuceLockStore> servers;
  private final int majority;
  private final ScheduledExecutorService timer;

  /** @param timer where the patience with stragglers is timed (the servers' client's event executors) */
  RedlockLockStore(List<LettuceLockStore> servers, ScheduledExecutorService timer) {
    this.servers = List.copyOf(servers);
    this.majority = servers.size() / 2 + 1;
    this.timer = timer;
  }

  @Override
  public CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    long sentAt = System.nanoTime();
    long validMillis = leaseMillis - ClockDrift.allowanceMillis(leaseMillis);
    List<CompletableFuture<Attempt>> answers =
        MajorityVote.send(servers, server -> server.acquire(key, token, leaseMillis, metadata, ticket));
    CompletableFuture<Attempt> decision = MajorityVote.decide(answers, votes -> {
      boolean valid = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt) < validMillis;
      List<Attempt> acquired = votes.answers(a -> a.outcome() == Attempt.Outcome.ACQUIRED);
      if (acquired.size() >= majority && valid) {
        return Attempt.acquired(acquired.stream().mapToLong(Attempt::fencingToken).max().orElse(0));
      }
      if (valid && !votes.cannotReach(acquired.size())) {
        return null; // a majority may still acquire
      }
      List<Integer> mayHold = votes.serversWhere(a -> a.outcome() == Attempt.Outcome.ACQUIRED, true);
      for (int server : mayHold) {
        answers.get(server).cancel(false); // first: a late answer must not send a second command after the release
        servers.get(server).releaseInOneCommand(key, token, LockKeys.releaseChannel(key)); // answer not needed
      }
      // That release may not get through (a server unreachable): the acquisition must clean up if it gives up.
      Attempt failed = valid ? failedAttempt(votes, acquired.size()) : Attempt.held(0); // too slow: try again
      return mayHold.isEmpty() ? failed : failed.uncertainly();
    });
    giveUpOnStragglers(answers, decision);
    return decision;
  }

  /**
   * Acquired on some servers, held by another owner on others, and no server failed: only then is a straggler given
   * up on. With a server down, the slow rest may be the majority that is left, and waiting for it is right.
   */
  private static boolean isSplit(List<CompletableFuture<Attempt>> answers) {
    boolean acquired = false;
    boolean held = false;
    for (CompletableFuture<Attempt> answer : answers) {
      if (answer.isCompletedExceptionally()) {
        return false;
      }
      Attempt attempt = answer.getNow(null);
      acquired |= attempt != null && attempt.outcome() == Attempt.Outcome.ACQUIRED;
      held |= attempt != null && attempt.outcome() == Attempt.Outcome.HELD;
    }
    return acquired && held;
  }

  /**
   * Once a majority has answered and the attempt is still undecided, split between acquired and held ({@link
   * #isSplit}), the other servers get {@link #STRAGGLER_PATIENCE_MILLIS}; then their answers are given up: cancelled,
   * so that none of them sends a second command ({@link OrderedReply}), which decides the attempt as failed, released
   * where it may have landed and marked uncertain. The waiter tries again on the next announcement (the release that
   * had not yet run on a server when this attempt reached it announces itself there afterwards).
   */
  @SuppressWarnings("FutureReturnValueIgnored") // a timer task and callbacks: nothing to wait for
  private void giveUpOnStragglers(List<CompletableFuture<Attempt>> answers, CompletableFuture<Attempt> decision) {
    AtomicInteger answered = new AtomicInteger();
    for (CompletableFuture<Attempt> answer : answers) {
      answer.whenComplete((value, failure) -> {
        if (answered.incrementAndGet() == majority && !decision.isDone()) {
          timer.schedule(() -> {
            if (!decision.isDone() && isSplit(answers)) {
              answers.forEach(late -> late.cancel(false));
            }
          }, STRAGGLER_PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
        }
      });
    }
  }

  /** The outcome of an attempt that did not acquire on a majority, from the answers that did come. */
  private Attempt failedAttempt(MajorityVote.Votes<Attempt> votes, int acquired) {
    List<Attempt> notALock = votes.answers(a -> a.outcome() == Attempt.Outcome.NOT_A_LOCK);
    if (!notALock.isEmpty()) {
      return Attempt.NOT_A_LOCK;
    }
    List<Attempt> wrongType = votes.answers(a -> a.outcome() == Attempt.Outcome.WRONG_TYPE);
    if (!wrongType.isEmpty()) {
      return wrongType.get(0);
    }
    votes.requireMajorityReachable();
    return Attempt.held(untilFree(votes.answers(a -> a.outcome() == Attempt.Outcome.HELD), acquired));
  }

  /**
   * When the lock may be free for the caller: a majority must be free, {@code free} servers are already, so the
   * wait is for the next ones among the held servers to run out; -1 when that one never expires.
   */
  private long untilFree(List<Attempt> held, int free) {
    List<Long> remaining = new ArrayList<>();
    for (Attempt attempt : held) {
      remaining.add(attempt.remainingLeaseMillis() < 0 ? Long.MAX_VALUE : attempt.remainingLeaseMillis());
    }
    if (remaining.isEmpty()) {
      return 0;
    }
    remaining.sort(Comparator.naturalOrder());
    long next = remaining.get(Math.min(Math.max(majority - free, 1), remaining.size()) - 1);
    return next == Long.MAX_VALUE ? -1 : next;
  }

  @Override
  public CompletionStage<Release> release(String key, String token, String channel) {
    return released(server -> server.release(key, token, channel));
  }

  @Override
  public CompletionStage<Release> abandon(String key, String token, String channel) {
    return released(server -> server.abandon(key, token, channel));
  }

  private CompletionStage<Release> released(Function<LettuceLockStore, CompletionStage<Release>> request) {
    return vote(request, votes -> {
      int released = votes.answers(r -> r == Release.RELEASED).size();
      if (released >= majority) {
        return Release.RELEASED;
      }
      if (!votes.cannotReach(released)) {
        return null;
      }
      votes.requireMajorityReachable();
      return votes.answers(r -> r == Release.TAKEN).isEmpty() ? Release.EXPIRED : Release.TAKEN;
    });
  }

  @Override
  public CompletionStage<Long> drawFencingToken(String key, String token, String metadata) {
    return vote(server -> server.drawFencingToken(key, token, metadata, 0), this::highestOfMajority)
        .thenCompose(drawn -> drawn <= 0
            ? CompletableFuture.completedFuture(drawn)
            : vote(server -> server.drawFencingToken(key, token, metadata, drawn), this::highestOfMajority));
  }

  /**
   * A token once a majority drew or confirmed one (the highest of theirs); 0 once a majority no longer owns it;
   * {@link #COUNTER_NOT_A_NUMBER} when a server's counter is not a number and no majority drew without it.
   */
  private @Nullable Long highestOfMajority(MajorityVote.Votes<Long> votes) {
    List<Long> drawn = votes.answers(t -> t > 0);
    if (drawn.size() >= majority) {
      return drawn.stream().mapToLong(Long::longValue).max().orElseThrow();
    }
    if (!votes.cannotReach(drawn.size())) {
      return null;
    }
    votes.requireMajorityReachable();
    return votes.answers(t -> t == COUNTER_NOT_A_NUMBER).isEmpty() ? 0L : COUNTER_NOT_A_NUMBER;
  }

  @Override
  public CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis) {
    return vote(server -> server.renew(leases, leaseMillis), votes -> {
      long[] left = new long[leases.size()];
      for (int i = 0; i < left.length; i++) {
        int lease = i;
        List<Long> renewed = new ArrayList<>();
        votes.answers(answer -> answer[lease] >= 0).forEach(answer -> renewed.add(answer[lease]));
        if (renewed.size() < majority && !votes.cannotReach(renewed.size())) {
          return null; // this lease is not decided yet
        }
        // a majority holds the key at least this long: the majority-th longest
        renewed.sort(Comparator.reverseOrder());
        left[i] = renewed.size() >= majority ? renewed.get(majority - 1) : -1;
      }
      votes.requireMajorityReachable();
      return left;
    });
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    return vote(server -> server.extend(key, token, addMillis), votes -> {
      List<Long> extended = votes.answers(millis -> millis >= 0);
      if (extended.size() >= majority) {
        extended.sort(Comparator.reverseOrder());
        return extended.get(majority - 1); // a majority holds the key at least this long
      }
      if (!votes.cannotReach(extended.size())) {
        return null;
      }
      votes.requireMajorityReachable();
      return -1L;
    });
  }

  @Override
  public CompletionStage<Holding> inspect(String key) {
    return vote(server -> server.inspect(key).thenApply(holding -> holding == null ? NOBODY : holding), votes -> {
      Map<String, List<Long>> byValue = new HashMap<>();
      for (Holding holding : votes.answers(h -> h != NOBODY)) {
        byValue.computeIfAbsent(holding.value(), v -> new ArrayList<>()).add(holding.remainingLeaseMillis());
      }
      int mostAgreeing = 0;
      for (Map.Entry<String, List<Long>> value : byValue.entrySet()) {
        List<Long> remaining = value.getValue();
        if (remaining.size() >= majority) {
          remaining.sort(
              Comparator.comparing(millis -> millis < 0 ? Long.MAX_VALUE : millis, Comparator.reverseOrder()));
          return new Holding(value.getKey(), remaining.get(majority - 1));
        }
        mostAgreeing = Math.max(mostAgreeing, remaining.size());
      }
      if (!votes.cannotReach(mostAgreeing)) {
        return null; // a majority may still agree on a holder
      }
      votes.requireMajorityReachable();
      return NOBODY;
    }).thenApply(holding -> holding == NOBODY ? null : holding);
  }

  /** inspect's "nobody holds it", as an answer and a decision must not be null. */
  private static final Holding NOBODY = new Holding("", 0);

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return vote(server -> server.fencedSet(key, value, fencingToken), votes -> {
      int written = votes.answers(Boolean::booleanValue).size();
      if (written >= majority) {
        return true;
      }
      if (!votes.cannotReach(written)) {
        return null;
      }
      votes.requireMajorityReachable();
      return false;
    });
  }

  private <T, R> CompletableFuture<R> vote(Function<LettuceLockStore, CompletionStage<T>> request,
      Function<MajorityVote.Votes<T>, R> decider) {
    return MajorityVote.decide(servers, request, decider);
  }
}
