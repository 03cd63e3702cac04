package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which {@code notify-keyspace-events} flags a waiter still needs: K (keyspace channel), g (del), x (expired) and
 * e (evicted), where A stands for all event classes. The answer is appended to the server's setting as it is.
 */
class KeyspaceNotificationsTest {

  @ParameterizedTest(name = "''{0}'' lacks ''{1}''")
  @CsvSource(
      delimiter = '|',
      emptyValue = "",
      value = {
        "''   | Kgxe", // notifications off, the default
        "AK   | ''",
        "KA   | ''",
        "KEA  | ''", // everything, the setting most guides suggest
        "AKE  | ''",
        "gxeK | ''", // exactly the flags needed, in any order
        "Kgxe | ''",
        "Kx   | ge",
        "Kg   | xe",
        "Ke   | gx",
        "K    | gxe",
        "A    | K", // every event class, but no keyspace channel
        "EA   | K", // keyevent channel only
        "Egxe | K",
        "gx   | Ke",
        "K$lshzt | gxe", // other event classes do not stand in for the ones needed
        "KEmn | gxe",
      })
  void missingFlagsAreTheNeededOnesTheSettingLacks(String current, String missing) {
    assertThat(KeyspaceNotifications.missingFlags(current)).isEqualTo(missing);
  }
}
