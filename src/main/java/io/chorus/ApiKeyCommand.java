package io.chorus;

import io.chorus.security.ApiKeyFile;
import io.chorus.security.Scope;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code java -jar chorus.jar api-key [name] [scopes]}: makes a fresh random key and prints it with the line that
 * admits it in the {@code --api-keys} file. The key is shown once and kept nowhere; the file holds only its hash.
 */
final class ApiKeyCommand {

  static final String NAME = "api-key";
  private static final String USAGE = "Usage: java -jar chorus.jar api-key [name] [scopes]"
      + "  (name: 1 to 64 of A-Z a-z 0-9 . _ -, default key; scopes: publish,read,metrics, default publish,read)";

  private ApiKeyCommand() {
  }

  static boolean isAsked(String[] args) {
    return args.length > 0 && args[0].equals(NAME);
  }

  /** Prints the key and its line, or the usage when the arguments are wrong; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String name = args.length > 1 ? args[1] : "key";
    Set<Scope> scopes;
    try {
      if (args.length > 3) {
        throw new IllegalArgumentException("api-key takes a name and scopes, nothing more");
      }
      if (!ApiKeyFile.isName(name)) {
        throw new IllegalArgumentException("'" + name + "' is not a name");
      }
      scopes = ApiKeyFile.scopes(args.length > 2 ? args[2] : "publish,read");
    } catch (IllegalArgumentException e) {
      err.println("chorus: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    String key = ApiKeyFile.newKey();
    out.println("# The key, for the client's Authorization: Bearer header; Chorus keeps only its hash:");
    out.println(key);
    out.println("# The line for the --api-keys file:");
    out.println(ApiKeyFile.line(key, name, scopes));
    return 0;
  }
}
