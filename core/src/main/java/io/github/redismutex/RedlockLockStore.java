package io.github.redismutex;

import io.lettuce.core.RedisConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The {@link LockStore} of Redlock: the same scripts on N independent Redis servers ({@link LettuceLockStore} each),
 * sent to all of them at once, with a majority deciding. A lock is held when a majority of servers hold its key
 * for the caller's token; each call completes as soon as the answers so far decide it, so a stalled minority does
 * not slow down a call that succeeds.
 *
 * <ul>
 *   <li>Acquire: acquired on a majority within the lease minus the time the attempt took and a clock-drift
 *       allowance ({@link #clockDriftMillis}); a success is reported as soon as a majority answered, a failure only
 *       once every server answered (or its command timed out) and the partial acquisitions were released.
 *   <li>Renew, extend, release: sent to all; the answer of a majority counts.
 *   <li>Fencing tokens: drawn in two rounds. First every server draws its next token; the highest of a majority's
 *       answers, T, is then raised to on every server (the counter becomes at least T), and T is the token once a
 *       majority confirmed. Any later draw's first round reaches a server that still holds at least T, so it hands
 *       out more than T, as long as a majority of servers kept their counters in between: tokens grow across holds
 *       although each server counts on its own and servers restart empty one at a time.
 *   <li>Conditions: not supported (their queues would need the same quorum logic).
 * </ul>
 * A majority of servers unreachable is reported as a {@link RedisConnectionException}, which callers retry as an
 * outage. Thread-safe: the servers' stores are, and each call's state is its own.
 */
final class RedlockLockStore implements LockStore {
  private final List<LettuceLockStore> servers;
  private final int majority;

  RedlockLockStore(List<LettuceLockStore> servers) {
    this.servers = List.copyOf(servers);
    this.majority = servers.size() / 2 + 1;
  }

  /** Redlock's allowance for the servers' clocks running faster than ours: 1% of the lease plus 2 ms. */
  @Override
  public long clockDriftMillis(long leaseMillis) {
    return leaseMillis / 100 + 2;
  }

  @Override
  public CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, boolean markAwaited) {
    long sentAt = System.nanoTime();
    List<CompletionStage<ServerAttempt>> answers = new ArrayList<>();
    List<CompletionStage<Attempt>> attempts =
        ask(server -> server.acquire(key, token, leaseMillis, metadata, markAwaited));
    for (int i = 0; i < attempts.size(); i++) {
      int server = i;
      answers.add(attempts.get(i).thenApply(attempt -> new ServerAttempt(server, attempt)));
    }
    return decide(answers, votes -> {
      List<ServerAttempt> acquired = votes.answers(a -> a.attempt.outcome() == Attempt.Outcome.ACQUIRED);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
      boolean valid = tookMillis < leaseMillis - clockDriftMillis(leaseMillis);
      if (acquired.size() >= majority && valid) {
        return Attempt.acquired(acquired.stream().mapToLong(a -> a.attempt.fencingToken()).max().orElse(0));
      }
      if (valid && !votes.cannotReach(acquired.size())) {
        return null;
      }
      // Failed. Wait for every answer, then release the partial acquisitions before the caller learns the outcome:
      // its next attempt (with the same token) is then sent after those releases on each server's connection, so a
      // late release cannot delete what that attempt acquired.
      if (votes.pending() > 0) {
        return null;
      }
      for (ServerAttempt partial : acquired) {
        servers.get(partial.server).release(key, token, LockKeys.releaseChannel(key));
      }
      if (!valid) {
        return Attempt.held(0); // too slow to leave any validity: try again
      }
      List<ServerAttempt> notALock = votes.answers(a -> a.attempt.outcome() == Attempt.Outcome.NOT_A_LOCK);
      if (!notALock.isEmpty()) {
        return Attempt.NOT_A_LOCK;
      }
      votes.requireMajorityReachable();
      return Attempt.held(untilFree(
          votes.answers(a -> a.attempt.outcome() == Attempt.Outcome.HELD).stream().map(a -> a.attempt).toList(),
          acquired.size()));
    });
  }

  private record ServerAttempt(int server, Attempt attempt) {}

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
    return decide(ask(server -> server.release(key, token, channel)), votes -> {
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
    return decide(ask(server -> server.drawFencingToken(key, token, metadata, 0)), this::highestOfMajority)
        .thenCompose(drawn -> drawn == 0
            ? CompletableFuture.completedFuture(0L)
            : decide(ask(server -> server.drawFencingToken(key, token, metadata, drawn)), this::highestOfMajority));
  }

  /** A token once a majority drew or confirmed one (the highest of theirs); 0 once a majority no longer owns it. */
  private Long highestOfMajority(Votes<Long> votes) {
    List<Long> drawn = votes.answers(t -> t > 0);
    if (drawn.size() >= majority) {
      return drawn.stream().mapToLong(Long::longValue).max().orElseThrow();
    }
    if (!votes.cannotReach(drawn.size())) {
      return null;
    }
    votes.requireMajorityReachable();
    return 0L;
  }

  @Override
  public CompletionStage<boolean[]> renew(List<Lease> leases, long leaseMillis) {
    return decide(ask(server -> server.renew(leases, leaseMillis)), votes -> {
      boolean[] owned = new boolean[leases.size()];
      for (int i = 0; i < owned.length; i++) {
        int lease = i;
        int renewed = votes.answers(answer -> answer[lease]).size();
        if (renewed < majority && !votes.cannotReach(renewed)) {
          return null; // this lease is not decided yet
        }
        owned[i] = renewed >= majority;
      }
      votes.requireMajorityReachable();
      return owned;
    });
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    return decide(ask(server -> server.extend(key, token, addMillis)), votes -> {
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
    return decide(ask(server -> server.inspect(key)), votes -> {
      Map<String, List<Long>> byValue = new HashMap<>();
      for (Holding holding : votes.answers(h -> h != null)) {
        byValue.computeIfAbsent(holding.value(), v -> new ArrayList<>()).add(holding.remainingLeaseMillis());
      }
      for (Map.Entry<String, List<Long>> value : byValue.entrySet()) {
        if (value.getValue().size() >= majority) {
          List<Long> remaining = value.getValue();
          remaining.sort(
              Comparator.comparing(millis -> millis < 0 ? Long.MAX_VALUE : millis, Comparator.reverseOrder()));
          return new Holding(value.getKey(), remaining.get(majority - 1));
        }
      }
      if (votes.pending() > 0) {
        return null; // a majority may still agree
      }
      votes.requireMajorityReachable();
      return NOBODY;
    }).thenApply(holding -> holding == NOBODY ? null : holding);
  }

  /** inspect's decided "nobody holds it by a majority", as a decision must not be null. */
  private static final Holding NOBODY = new Holding("", 0);

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return decide(ask(server -> server.fencedSet(key, value, fencingToken)), votes -> {
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

  @Override
  public CompletionStage<Boolean> conditionAwait(
      String key, String token, String queueKey, String waiterId, long heartbeatMillis) {
    throw conditionsUnsupported();
  }

  @Override
  public CompletionStage<Long> conditionSignal(String key, String token, String queueKey, boolean all) {
    throw conditionsUnsupported();
  }

  @Override
  public CompletionStage<Long> conditionLeave(String key, String queueKey, String waiterId, long heartbeatMillis) {
    throw conditionsUnsupported();
  }

  static UnsupportedOperationException conditionsUnsupported() {
    return new UnsupportedOperationException("conditions are not supported in Redlock mode");
  }

  private <T> List<CompletionStage<T>> ask(Function<LettuceLockStore, CompletionStage<T>> request) {
    List<CompletionStage<T>> answers = new ArrayList<>(servers.size());
    for (LettuceLockStore server : servers) {
      CompletionStage<T> answer;
      try {
        answer = request.apply(server);
      } catch (RuntimeException e) { // a command refused before it was sent counts as that server's failure
        answer = CompletableFuture.failedFuture(e);
      }
      answers.add(answer);
    }
    return answers;
  }

  /**
   * Completes with the first non-null decision {@code decider} makes as the answers arrive (it is asked again after
   * each, and must decide once all are in), or with what it throws.
   */
  private <T, R> CompletableFuture<R> decide(List<CompletionStage<T>> answers, Function<Votes<T>, R> decider) {
    AtomicReference<Votes<T>> latest =
        new AtomicReference<>(new Votes<>(answers.size(), majority, List.of(), List.of()));
    CompletableFuture<R> decision = new CompletableFuture<>();
    for (CompletionStage<T> answer : answers) {
      answer.whenComplete((value, failure) -> {
        Votes<T> votes = latest.updateAndGet(before -> before.with(value, failure));
        if (decision.isDone()) {
          return;
        }
        try {
          R decided = decider.apply(votes);
          if (decided != null) {
            decision.complete(decided);
          } else if (votes.pending() == 0) {
            decision.completeExceptionally(new IllegalStateException("undecided after every server answered"));
          }
        } catch (RuntimeException e) {
          decision.completeExceptionally(e);
        }
      });
    }
    return decision;
  }

  /** The answers to one request so far, and its failures. Immutable: each answer makes new votes. */
  private record Votes<T>(int servers, int majority, List<T> answers, List<Throwable> failures) {
    Votes<T> with(T answer, Throwable failure) {
      List<T> moreAnswers = new ArrayList<>(answers);
      List<Throwable> moreFailures = new ArrayList<>(failures);
      if (failure == null) {
        moreAnswers.add(answer);
      } else {
        moreFailures.add(RedisFailures.unwrap(failure));
      }
      return new Votes<>(servers, majority, List.copyOf(moreAnswers), List.copyOf(moreFailures));
    }

    List<T> answers(Predicate<T> which) {
      return answers.stream().filter(which).collect(Collectors.toCollection(ArrayList::new));
    }

    int pending() {
      return servers - answers.size() - failures.size();
    }

    /** Whether {@code yes} votes so far can no longer become a majority, whatever the pending servers say. */
    boolean cannotReach(int yes) {
      return yes + pending() < majority;
    }

    /** Throws when so many servers failed that no majority answered: an outage, to be retried. */
    void requireMajorityReachable() {
      if (failures.size() > servers - majority) {
        RedisConnectionException outage = new RedisConnectionException(
            "only " + answers.size() + " of " + servers + " Redis servers answered; Redlock needs " + majority);
        failures.forEach(outage::addSuppressed);
        throw outage;
      }
    }
  }
}
