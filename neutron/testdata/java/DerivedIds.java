import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

// Computes derived ids with java.util.UUID and Java long arithmetic, the
// way the JVM cluster's UUID helpers do, for the Go test to compare with.
// Input lines: "xor <uuid> <msb hex> <lsb hex>", "bytes <uuid> <text>",
// "ip4 <uuid> <dotted quad>", "subnet4 <uuid> <dotted quad> <length>".
public class DerivedIds {
    static UUID xor(UUID id, long m, long l) {
        return new UUID(id.getMostSignificantBits() ^ (m & 0xffffffffffff0fffL),
                        id.getLeastSignificantBits() ^ (l & 0x3fffffffffffffffL));
    }

    static int ip4(String s) {
        String[] p = s.split("\\.");
        int v = 0;
        for (String b : p) v = (v << 8) | Integer.parseInt(b);
        return v;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split(" ");
            UUID id = UUID.fromString(f[1]);
            UUID out;
            switch (f[0]) {
                case "xor":
                    out = xor(id, Long.parseUnsignedLong(f[2], 16), Long.parseUnsignedLong(f[3], 16));
                    break;
                case "bytes": {
                    byte[] b = f[2].getBytes(StandardCharsets.UTF_8);
                    long m = 1, l = 1;
                    int i = 0;
                    for (; i < 8 && i < b.length; i++) m = 31 * m + b[i];
                    for (; i < 16 && i < b.length; i++) l = 31 * l + b[i];
                    out = xor(id, m, l);
                    break;
                }
                case "ip4":
                    out = xor(id, 0L, (long) ip4(f[2]));
                    break;
                case "subnet4":
                    out = xor(id, ((long) ip4(f[2]) << 32) | Integer.parseInt(f[3]), 0L);
                    break;
                default:
                    throw new IllegalArgumentException(f[0]);
            }
            System.out.println(out);
        }
    }
}
