package io.github.redismutex.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test CA and the certificates it signs, as PEM files that both Redis ({@code --tls-cert-file}, {@code
 * --tls-key-file}, {@code --tls-ca-cert-file}) and Lettuce ({@code SslOptions}) read: a server certificate for
 * 127.0.0.1 and a client certificate. Made fresh for each test with BouncyCastle, valid for a day.
 */
public final class TestCertificates {
  /** A certificate and its private key, as PEM files. */
  public record Pem(Path certificate, Path privateKey) {}

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final Path caFile;

  private TestCertificates(Path dir) throws GeneralSecurityException, IOException, OperatorCreationException {
    this.dir = dir;
    this.caKeys = keys();
    X500Name name = new X500Name("CN=redis-mutex test CA");
    JcaX509v3CertificateBuilder builder = builder(name, name, caKeys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    this.ca = sign(builder, caKeys);
    this.caFile = write("ca.crt", ca);
  }

  /** A new CA in {@code dir}. */
  public static TestCertificates createIn(Path dir) {
    try {
      return new TestCertificates(dir);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a test CA", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CA's certificate: the trust material of both sides. */
  public Path caCertificate() {
    return caFile;
  }

  /** A certificate for {@code 127.0.0.1} (and {@code localhost}), signed by the CA. */
  public Pem server() {
    return issue("server", new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
  }

  /** A client certificate, signed by the CA. */
  public Pem client() {
    return issue("client", null);
  }

  private Pem issue(String who, GeneralNames altNames) {
    try {
      KeyPair keys = keys();
      JcaX509v3CertificateBuilder builder =
          builder(new X500Name("CN=redis-mutex test CA"), new X500Name("CN=redis-mutex test " + who), keys);
      if (altNames != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, altNames);
      }
      X509Certificate certificate = sign(builder, caKeys);
      return new Pem(write(who + ".crt", certificate), write(who + ".key", keys.getPrivate()));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048, new SecureRandom());
    return generator.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException, OperatorCreationException {
    ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
  }

  private Path write(String file, Object pemObject) throws IOException {
    Path path = dir.resolve(file);
    try (Writer out = Files.newBufferedWriter(path); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(pemObject);
    }
    return path;
  }
}
