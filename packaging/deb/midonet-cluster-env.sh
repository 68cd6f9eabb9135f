# Environment of midonet-cluster. The node is not a JVM: of this file, the
# JVM cluster's, it reads only the -D system properties of JVM_OPTS lines,
# without running the shell, and logs once that it ignores the other JVM
# options (heap sizes, GC). An existing file from the JVM package works as it is.
#
# HTTPS on cluster.rest_api.https_port (8443) starts once a key store and its
# password are given. The key store must be readable by group midonet.
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/etc/midonet-cluster/ssl/midonet.jks"
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_password=secret"
