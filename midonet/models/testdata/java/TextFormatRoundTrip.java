// Reads protobuf text format with Java's TextFormat (the parser the JVM
// MidoNet cluster uses for ZooKeeper data) and writes it back with
// TextFormat's printer. Used by the Go tests in midonet/models.
//
// Usage: TextFormatRoundTrip <descriptor-set> (<full message name> <in> <out>)...
// Exit status 1 with a message on stderr if any input fails to parse or
// lacks required fields.

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.TextFormat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

public final class TextFormatRoundTrip {
    public static void main(String[] args) throws Exception {
        FileDescriptorSet set = FileDescriptorSet.parseFrom(Files.readAllBytes(Path.of(args[0])));
        // Files are listed dependencies first, as protoc and the Go test emit them.
        Map<String, FileDescriptor> files = new HashMap<>();
        for (FileDescriptorProto fp : set.getFileList()) {
            FileDescriptor[] deps = new FileDescriptor[fp.getDependencyCount()];
            for (int i = 0; i < deps.length; i++) {
                deps[i] = files.get(fp.getDependency(i));
            }
            files.put(fp.getName(), FileDescriptor.buildFrom(fp, deps));
        }
        for (int i = 1; i + 2 < args.length; i += 3) {
            Descriptor type = find(files, args[i]);
            String text = Files.readString(Path.of(args[i + 1]), StandardCharsets.UTF_8);
            DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
            try {
                TextFormat.merge(text, b);
                DynamicMessage msg = b.build(); // throws if required fields are missing
                Files.writeString(Path.of(args[i + 2]), TextFormat.printer().printToString(msg), StandardCharsets.UTF_8);
            } catch (Exception e) {
                System.err.println(args[i + 1] + ": " + e);
                System.exit(1);
            }
        }
    }

    private static Descriptor find(Map<String, FileDescriptor> files, String fullName) {
        for (FileDescriptor f : files.values()) {
            String pkg = f.getPackage();
            if (!fullName.startsWith(pkg + ".")) continue;
            String[] path = fullName.substring(pkg.length() + 1).split("\\.");
            Descriptor d = f.findMessageTypeByName(path[0]);
            for (int i = 1; d != null && i < path.length; i++) {
                d = d.findNestedTypeByName(path[i]);
            }
            if (d != null) return d;
        }
        throw new IllegalArgumentException("unknown message " + fullName);
    }
}
