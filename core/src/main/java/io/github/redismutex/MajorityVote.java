package io.github.redismutex;

import io.lettuce.core.RedisConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One request sent to every Redlock server at once, decided by majority as the answers arrive: the one shape of
 * every {@link RedlockLockStore} call. The decider is asked again after each answer and returns null while the
 * outcome is open, so a call completes as soon as its outcome is certain, never waiting for a stalled minority.
 * Stateless.
 */
final class MajorityVote {
  private MajorityVote() {}

  /**
   * Sends {@code request} to every server and completes with the first non-null decision {@code decider} makes (it
   * must decide once every server has answered or failed), or with what it throws. A request refused before it was
   * sent counts as that server's failure.
   */
  static <S, T, R> CompletableFuture<R> decide(List<S> servers, Function<S, CompletionStage<T>> request,
      Function<Votes<T>, R> decider) {
    return decide(send(servers, request), decider);
  }

  /** Sends {@code request} to every server: the answers to come, by server. */
  static <S, T> List<CompletableFuture<T>> send(List<S> servers, Function<S, CompletionStage<T>> request) {
    List<CompletableFuture<T>> answers = new ArrayList<>(servers.size());
    for (S server : servers) {
      CompletionStage<T> answer;
      try {
        answer = request.apply(server);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answers.add(answer.toCompletableFuture());
    }
    return answers;
  }

  /**
   * {@link #decide(List, Function, Function)} over answers already asked for. Cancelling the decision (a caller
   * that gave up) cancels the answers still to come, so that none of them sends a second command ({@link
   * OrderedReply}).
   */
  @SuppressWarnings("FutureReturnValueIgnored") // callbacks: the futures whenComplete returns carry nothing more
  static <T, R> CompletableFuture<R> decide(List<CompletableFuture<T>> answers, Function<Votes<T>, R> decider) {
    int majority = answers.size() / 2 + 1;
    AtomicReference<Votes<T>> latest = new AtomicReference<>(Votes.none(answers.size(), majority));
    CompletableFuture<R> decision = new CompletableFuture<>();
    decision.whenComplete((result, failure) -> {
      if (decision.isCancelled()) {
        answers.forEach(answer -> answer.cancel(false));
      }
    });
    for (int i = 0; i < answers.size(); i++) {
      int server = i;
      answers.get(i).whenComplete((value, failure) -> {
        Votes<T> votes = latest.updateAndGet(before -> before.with(server, value, failure));
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

  /**
   * The answers to one request so far, by server, and its failures. Immutable: each answer makes new votes.
   *
   * @param answers by server; null where none came (yet, or it failed)
   * @param failures by server; null where none happened
   */
  record Votes<T>(int majority, List<T> answers, List<Throwable> failures) {
    static <T> Votes<T> none(int servers, int majority) {
      List<T> answers = new ArrayList<>();
      List<Throwable> failures = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        answers.add(null);
        failures.add(null);
      }
      return new Votes<>(majority, answers, failures);
    }

    Votes<T> with(int server, T answer, Throwable failure) {
      List<T> moreAnswers = new ArrayList<>(answers);
      List<Throwable> moreFailures = new ArrayList<>(failures);
      if (failure == null) {
        moreAnswers.set(server, answer);
      } else {
        moreFailures.set(server, RedisFailures.unwrap(failure));
      }
      return new Votes<>(majority, moreAnswers, moreFailures);
    }

    /** The answers that came and match {@code which}. */
    List<T> answers(Predicate<T> which) {
      List<T> matching = new ArrayList<>();
      for (T answer : answers) {
        if (answer != null && which.test(answer)) {
          matching.add(answer);
        }
      }
      return matching;
    }

    /** The servers whose answer matches {@code which}, and, if {@code orUnknown}, those without an answer. */
    List<Integer> serversWhere(Predicate<T> which, boolean orUnknown) {
      List<Integer> matching = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        T answer = answers.get(i);
        if (answer == null ? orUnknown : which.test(answer)) {
          matching.add(i);
        }
      }
      return matching;
    }

    int pending() {
      int pending = 0;
      for (int i = 0; i < answers.size(); i++) {
        if (answers.get(i) == null && failures.get(i) == null) {
          pending++;
        }
      }
      return pending;
    }

    /** Whether {@code yes} votes so far can no longer become a majority, whatever the pending servers say. */
    boolean cannotReach(int yes) {
      return yes + pending() < majority;
    }

    /** Throws when so many servers failed that no majority can answer: an outage, to be retried. */
    void requireMajorityReachable() {
      List<Throwable> failed = failures.stream().filter(f -> f != null).toList();
      if (failed.size() > answers.size() - majority) {
        RedisConnectionException outage = new RedisConnectionException("only " + (answers.size() - failed.size())
            + " of " + answers.size() + " Redis servers answered; Redlock needs " + majority);
        failed.forEach(outage::addSuppressed);
        throw outage;
      }
    }
  }
}
