package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.RedisServers;
import io.github.redismutex.support.TestCertificates;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.SslOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS: a redis-server that accepts only TLS connections ({@code --port 0 --tls-port}), with a CA and certificates the
 * test makes, reached through {@code rediss://} with the trust material (and a client certificate, where the server
 * asks for one) given to the builder, no borrowed client needed.
 */
@ExtendWith(RedisExtension.class)
class TlsIT {
  @TempDir Path dir;

  /** A server of the test's own, its certificates made by the test: arguments known only now. */
  private static RedisServer tlsServer(RedisServers servers, TestCertificates certificates,
      boolean clientsNeedCertificates) {
    TestCertificates.Pem server = certificates.server();
    int port = RedisServer.freePort();
    return servers.start(port, "--port", "0", "--tls-port", Integer.toString(port),
        "--tls-cert-file", server.certificate().toString(), "--tls-key-file", server.privateKey().toString(),
        "--tls-ca-cert-file", certificates.caCertificate().toString(),
        "--tls-auth-clients", clientsNeedCertificates ? "yes" : "no");
  }

  private static void lockAndUnlock(RedisLocks locks) throws InterruptedException {
    RedisMutex lock = locks.mutex("over tls");
    assertThat(lock.tryLock(5, TimeUnit.SECONDS)).isTrue();
    assertThat(lock.fencingToken()).isPositive();
    lock.unlock();
  }

  @Test
  void locksWorkOverTlsWithTheServersCaGivenToTheBuilder(RedisServers servers) throws Exception {
    TestCertificates certificates = TestCertificates.createIn(dir);
    RedisServer server = tlsServer(servers, certificates, false);
    try (RedisLocks locks = RedisLocks.builder().uri("rediss://127.0.0.1:" + server.port())
            .sslOptions(SslOptions.builder().trustManager(certificates.caCertificate().toFile()).build())
            .build()) {
      lockAndUnlock(locks);
    }
  }

  @Test
  void aServerThatAsksForClientCertificatesAcceptsTheOneGivenToTheBuilderAndRefusesNone(RedisServers servers)
      throws Exception {
    TestCertificates certificates = TestCertificates.createIn(dir);
    TestCertificates.Pem client = certificates.client();
    RedisServer server = tlsServer(servers, certificates, true);
    String uri = "rediss://127.0.0.1:" + server.port();
    SslOptions trustOnly = SslOptions.builder().trustManager(certificates.caCertificate().toFile()).build();
    assertThatThrownBy(() -> RedisLocks.builder().uri(uri).sslOptions(trustOnly)
        .commandTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(RedisConnectionException.class);
    SslOptions withCertificate = SslOptions.builder().trustManager(certificates.caCertificate().toFile())
        .keyManager(client.certificate().toFile(), client.privateKey().toFile(), null).build();
    try (RedisLocks locks = RedisLocks.builder().uri(uri).sslOptions(withCertificate).build()) {
      lockAndUnlock(locks);
    }
  }

  @Test
  void aServerWhoseCertificateIsNotTrustedIsRefused(RedisServers servers) throws Exception {
    TestCertificates certificates = TestCertificates.createIn(dir);
    TestCertificates other = TestCertificates.createIn(java.nio.file.Files.createDirectories(dir.resolve("other")));
    RedisServer server = tlsServer(servers, certificates, false);
    assertThatThrownBy(() -> RedisLocks.builder().uri("rediss://127.0.0.1:" + server.port())
        .sslOptions(SslOptions.builder().trustManager(other.caCertificate().toFile()).build()).build())
        .isInstanceOf(RedisConnectionException.class);
  }

  @Test
  void sslOptionsAreRefusedWithABorrowedClient() {
    io.lettuce.core.RedisClient borrowed = io.lettuce.core.RedisClient.create();
    try {
      assertThatThrownBy(() -> RedisLocks.builder().client(borrowed)
          .sslOptions(SslOptions.builder().build()).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("borrowed");
    } finally {
      io.github.redismutex.support.Clients.shutdown(borrowed);
    }
  }
}
