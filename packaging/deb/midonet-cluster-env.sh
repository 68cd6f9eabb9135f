# Environment of midonet-cluster. The node is not a JVM: of this file, the
# JVM cluster's, it reads without running the shell the -D system properties
# of JVM_OPTS lines and the maximum heap (the last -Xmx, else MAX_HEAP_SIZE),
# expanding variables assigned above them, and logs once that it ignores the
# other JVM options (initial heap, GC, JMX). An existing file from the JVM
# package works as it is.
#
# The maximum heap becomes the Go runtime's soft memory limit, unless
# GOMEMLIMIT or --memory-limit set one; without any the node uses 128MiB.
# Near the limit the garbage collector runs more often (CPU for memory); it
# never fails an allocation. The JVM package's file has MAX_HEAP_SIZE="2048M".
# MAX_HEAP_SIZE="512M"
#
# HTTPS on cluster.rest_api.https_port (8443) starts once a key store and its
# password are given. The key store must be readable by group midonet.
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_path=/etc/midonet-cluster/ssl/midonet.jks"
# JVM_OPTS="$JVM_OPTS -Dmidonet.keystore_password=secret"
