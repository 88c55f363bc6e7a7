package io.chorus.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

  private static final String PUBLISHER = "chorus_publisher-key";
  private static final String READER = "chorus_reader-key";

  @TempDir
  Path dir;

  @Test
  void aLineNamesTheHashOfAKeyItsNameAndItsScopes() throws Exception {
    ApiKeys keys = load("# backends\n\n" + ApiKeyFile.line(PUBLISHER, "ci", EnumSet.of(Scope.PUBLISH)) + "\n"
        + ApiKeyFile.line(READER, "dashboard", EnumSet.of(Scope.READ, Scope.METRICS)) + "\n");

    assertThat(keys.check("Bearer " + PUBLISHER, Scope.PUBLISH)).isEqualTo(new ApiKeys.Admitted("ci"));
    assertThat(keys.check("bearer  " + READER, Scope.METRICS)).isEqualTo(new ApiKeys.Admitted("dashboard"));
    assertThat(keys.check("Bearer " + PUBLISHER, Scope.READ)).isEqualTo(new ApiKeys.Forbidden("ci", Scope.READ));
    assertThat(keys.check("Bearer " + READER, Scope.PUBLISH))
        .isEqualTo(new ApiKeys.Forbidden("dashboard", Scope.PUBLISH));
  }

  @Test
  void aLineWithoutNameOrScopesIsNamedByItsLineAndMayPublishAndReadButNotScrape() throws Exception {
    String hashOnly = ApiKeyFile.line(PUBLISHER, "x", Set.of(Scope.READ)).split(" ")[0];
    ApiKeys keys = load("\n" + hashOnly.toUpperCase().replace("SHA256:", "sha256:") + "\n");

    assertThat(keys.check("Bearer " + PUBLISHER, Scope.PUBLISH)).isEqualTo(new ApiKeys.Admitted("key-2"));
    assertThat(keys.check("Bearer " + PUBLISHER, Scope.READ)).isEqualTo(new ApiKeys.Admitted("key-2"));
    assertThat(keys.check("Bearer " + PUBLISHER, Scope.METRICS)).isInstanceOf(ApiKeys.Forbidden.class);
  }

  @Test
  void noBearerCredentialsAreMissingAndAnyOtherKeyIsUnknown() throws Exception {
    ApiKeys keys = load(ApiKeyFile.line(PUBLISHER, "ci", EnumSet.of(Scope.PUBLISH)));

    assertThat(keys.check(null, Scope.PUBLISH)).isInstanceOf(ApiKeys.Missing.class);
    assertThat(keys.check("Basic Y2k6c2VjcmV0", Scope.PUBLISH)).isInstanceOf(ApiKeys.Missing.class);
    assertThat(keys.check("Bearer", Scope.PUBLISH)).isInstanceOf(ApiKeys.Missing.class);
    assertThat(keys.check("Bearer ", Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);
    assertThat(keys.check("Bearer " + READER, Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);
    assertThat(keys.check("Bearer " + PUBLISHER + "x", Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);
    assertThat(keys.check("Bearer " + "k".repeat(300), Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);
  }

  @Test
  void withoutAFileEveryRequestIsAdmitted() {
    ApiKeys open = ApiKeys.open();

    assertThat(open.guards()).isFalse();
    assertThat(open.check(null, Scope.PUBLISH)).isInstanceOf(ApiKeys.Admitted.class);
  }

  @Test
  void anEmptyFileAdmitsNobody() throws Exception {
    ApiKeys keys = load("# every key revoked\n");

    assertThat(keys.guards()).isTrue();
    assertThat(keys.check("Bearer " + PUBLISHER, Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);
  }

  @Test
  void anInvalidLineIsRefusedNamingItsNumberWithoutEchoingIt() {
    String valid = ApiKeyFile.line(PUBLISHER, "ci", EnumSet.of(Scope.PUBLISH));
    assertThatThrownBy(() -> ApiKeyFile.parse("# keys\n" + PUBLISHER + " ci publish\n"))
        .hasMessage("line 2: does not start with sha256: and 64 hex digits");
    assertThatThrownBy(() -> ApiKeyFile.parse("sha256:abc ci"))
        .hasMessage("line 1: does not start with sha256: and 64 hex digits");
    assertThatThrownBy(() -> ApiKeyFile.parse(valid.replace("publish", "write")))
        .hasMessage("line 1: 'write' is not a scope: use publish, read or metrics");
    assertThatThrownBy(() -> ApiKeyFile.parse(valid.replace(" ci ", " c/i ")))
        .hasMessage("line 1: the name is not 1 to 64 of A-Z a-z 0-9 . _ -");
    assertThatThrownBy(() -> ApiKeyFile.parse(valid + " extra"))
        .hasMessage("line 1: has more than a hash, a name and scopes");
    assertThatThrownBy(() -> ApiKeyFile.parse(valid + "\n\n" + valid.replace(" ci ", " again ")))
        .hasMessage("line 3: the same key as ci");
  }

  @Test
  void aChangedFileIsTakenAndAnInvalidOrMissingOneLeavesTheKeysAsTheyWere() throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, ApiKeyFile.line(PUBLISHER, "ci", EnumSet.of(Scope.PUBLISH)));
    ApiKeys keys = ApiKeys.load(file);

    Files.writeString(file, ApiKeyFile.line(READER, "dashboard", EnumSet.of(Scope.READ)));
    keys.reload();
    assertThat(keys.check("Bearer " + READER, Scope.READ)).isEqualTo(new ApiKeys.Admitted("dashboard"));
    assertThat(keys.check("Bearer " + PUBLISHER, Scope.PUBLISH)).isInstanceOf(ApiKeys.Unknown.class);

    Files.writeString(file, "sha256:half-written");
    keys.reload();
    assertThat(keys.check("Bearer " + READER, Scope.READ)).isEqualTo(new ApiKeys.Admitted("dashboard"));

    Files.delete(file);
    keys.reload();
    assertThat(keys.check("Bearer " + READER, Scope.READ)).isEqualTo(new ApiKeys.Admitted("dashboard"));
  }

  @Test
  void aNewKeyIsRandomPrefixedAndAdmittedByItsLine() throws Exception {
    String key = ApiKeyFile.newKey();

    assertThat(key).matches("chorus_[A-Za-z0-9_-]{43}").isNotEqualTo(ApiKeyFile.newKey());
    assertThat(load(ApiKeyFile.line(key, "new", EnumSet.of(Scope.READ))).check("Bearer " + key, Scope.READ))
        .isEqualTo(new ApiKeys.Admitted("new"));
  }

  private ApiKeys load(String text) throws Exception {
    Path file = Files.createTempFile(dir, "keys", ".txt");
    Files.writeString(file, text);
    return ApiKeys.load(file);
  }
}
