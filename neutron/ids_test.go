package neutron

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// derivedIDConstants are the reference's per-purpose constants (from its
// ChainManager, RouteManager, PortManager, RouterTranslator, ...), each
// with the function that must apply it.
var derivedIDConstants = []struct {
	name string
	f    func(uuid.UUID) uuid.UUID
	m, l uint64
}{
	{"inChain", InChainID, 0xc84db1f73554442b, 0x8e7b38f2c703ee6a},
	{"outChain", OutChainID, 0x020940fb2cac401e, 0x9ffaf9c05d04b524},
	{"fwdChain", FwdChainID, 0xd90b1ceebd1bf51e, 0xb5e5dab5476adb8a},
	{"floatSnatExactChain", FloatSnatExactChainID, 0xbf4ba34a4efdbf71, 0x590e41534b131c9b},
	{"floatSnatChain", FloatSnatChainID, 0xba661b9dbba322af, 0x5eff18f9c1de2512},
	{"skipSnatChain", SkipSnatChainID, 0x77e52b9ea61aae18, 0xcf5e9a5f30deb1fb},
	{"floatNat64Chain", FloatNat64ChainID, 0x46da815f6c664a20, 0x0042ff946a15adda},
	{"antiSpoofChain", AntiSpoofChainID, 0x0a7b611cfe7334fe, 0xbbac78cfe412ad35},
	{"antiSpoofJumpRule", AntiSpoofJumpRuleID, 0x4bcef582eeae45ac, 0xb0304fc7e7b3ba0d},
	{"rifPeer", RouterInterfacePeerID, 0x9c30300ec91f4f19, 0x88449d37e61b60f0},
	{"tenantGwPort", TenantGwPortID, 0xd3a45084502f4366, 0x9fd7d26cc7566972},
	{"portGroup", PortGroupID, 0x3fb30e769f5041f1, 0xa50c3c4fb09a6a18},
	{"rifPortGroup", RouterInterfacePortGroupID, 0x77e7c2e6ed0dbab5, 0x245499dbae09aa26},
	{"networkRoute", NetworkRouteID, 0xcabc4841093b4e81, 0xb794dac757bcd523},
	{"outSnat", OutSnatRuleID, 0x68fd6d8bbd3343d8, 0x9909aa4ad4b691d8},
	{"outDropFrag", OutDropUnmatchedFragmentsRuleID, 0xbac97789e63e4663, 0xa00989d341c8636f},
	{"inRevSnat", InReverseSnatRuleID, 0x928eb605e3e04119, 0x8c40e4ca90769cf4},
	{"inDropWrongPort", InDropWrongPortTrafficRuleID, 0xb807509d2fa04b9e, 0x96b1f45a04e6d128},
	{"dstRewrittenSnat", DstRewrittenSnatRuleID, 0xf5d39101f0431a3e, 0xdd7a9236bf83a3e7},
	{"skipSnatOutGw", SkipSnatOutGwPortRuleID, 0x6f90386f458e12ff, 0x6ec14164bde7cee6},
	{"skipSnatInGw", SkipSnatInGwPortRuleID, 0x6a68eacaec7e7075, 0xa21d868b7315973b},
	{"skipSnatAccept", SkipSnatAcceptRuleID, 0x9483a5a98a0098fb, 0xb6fa7a44027c7faa},
	{"fipSnat", FipSnatRuleID, 0xf515a8fd119a4b82, 0x81e9b793d68a3b9e},
	{"fipSnatExact", FipSnatExactRuleID, 0xfaba87a8b7a850ac, 0x52c748d4a902f277},
	{"fipDnat", FipDnatRuleID, 0xe40c77c188694ac0, 0x9a8e6c1863e2232e},
	{"fipRevDnat", FipReverseDnatRuleID, 0x9a8e6c1863e2232e, 0xe40c77c188694ac0},
	{"fipSkipSnatOut", FipSkipSnatOutRuleID, 0x30eddc1fede9b578, 0x1df21b732ecf45af},
	{"fipSkipSnatIn", FipSkipSnatInRuleID, 0x7b37aca83867e33a, 0xc52b8965e7d9cf14},
	{"nonHeaderRule", NonHeaderRuleID, 0x933733b5db0f5cce, 0xeaa631e8b0b34cef},
	{"quaggaPort", QuaggaPortID, 0xff498a4c22390ae3, 0x3e3ec848baff217d},
	{"bgpNetwork", BgpNetworkID, 0x39c62a620c7049a9, 0xbc9c1acb80e516fc},
	{"quaggaContainer", QuaggaContainerID, 0x645a41fb3e1641a3, 0x90d28456127bee31},
	{"quaggaContainerGroup", QuaggaContainerGroupID, 0x7d263d2d55da46d2, 0xb53951e91eba3a1f},
	{"bgpRedirectRule", BgpRedirectRuleID, 0x12d34babf7d84902, 0xaa840971afc3307f},
	{"bgpInverseRedirectRule", BgpInverseRedirectRuleID, 0x12d34babf7d85900, 0xaa840971afc3307f},
	{"fwJumpRule", FwdChainFwJumpRuleID, 0x36feb6f6fd9211e5, 0x98a00242ac110001},
	{"inChainFwJumpRule", InChainFwJumpRuleID, 0xc309e08c3eaf11e5, 0xaf410242ac110002},
	{"outChainFwJumpRule", OutChainFwJumpRuleID, 0x1b4b62ca3eb011e5, 0x91260242ac110002},
	{"lbV2Router", LbV2RouterID, 0xed1225ed739945ea, 0x8fd972a26f18632f},
	{"lbV1LoadBalancer", LbV1LoadBalancerID, 0xaab2c5dea7bc8dea, 0x2ac7bb0371eee6d7},
	{"lbV2ServiceContainer", LbV2ServiceContainerID, 0xad1e25ee739d05ea, 0x0ed972b36e19612f},
	{"lbV2ServiceContainerGroup", LbV2ServiceContainerGroupID, 0x7d263d2d55da46d2, 0xaad282b46129613f},
	{"lbV2ServiceContainerPort", LbV2ServiceContainerPortID, 0x1da81cddca3b9ff8, 0xd966a652de3c9cca},
	{"lbV2SnatRule", LbV2SnatRuleID, 0xe401ace2473413aa, 0x7be4604b146962b6},
	{"lbV2RevSnatRule", LbV2RevSnatRuleID, 0xd9c8f6962541298d, 0x7294e027de2b90ba},
	{"l2gwNetworkPort", L2gwNetworkPortID, 0x0af59914959d45f8, 0xb1b028de11f2ee4e},
	{"l2gwGatewayPort", L2gwGatewayPortID, 0x5ad1c08827cb459e, 0x80042ee7006a8210},
}

// addressRouteIDs are the route ids derived from a port and an address:
// xor with the constant, then with the address text.
var addressRouteIDs = []struct {
	name string
	f    func(uuid.UUID, netip.Addr) uuid.UUID
	m, l uint64
}{
	{"localRoute", LocalRouteID, 0x13bd079b6c0e43fb, 0x80fe647e6e718b72},
	{"gatewayRoute", GatewayRouteID, 0x6ba5df84b8a44ab4, 0x90adb3f665e7850d},
	{"rifRoute", RouterInterfaceRouteID, 0xb288abe0c5744762, 0xb3a04b12442bb179},
	{"metadataRoute", MetadataServiceRouteID, 0xa0132e5a1583461c, 0xa752d8609a517a6c},
}

// TestDerivedIDsMatchJava computes every derived id with Java's UUID and
// long arithmetic (testdata/java/DerivedIds.java) and requires ours to be
// the same, for random ids and addresses whose bytes are signed.
func TestDerivedIDsMatchJava(t *testing.T) {
	javac, java := requireJava(t)
	classes := t.TempDir()
	run(t, nil, javac, "-nowarn", "-d", classes, filepath.Join("testdata", "java", "DerivedIds.java"))

	rng := rand.New(rand.NewPCG(1, 2))
	var in bytes.Buffer
	var want []func() uuid.UUID
	var what []string
	add := func(line, name string, got func() uuid.UUID) {
		in.WriteString(line + "\n")
		want = append(want, got)
		what = append(what, name)
	}
	for i := 0; i < 20; i++ {
		id := randomID(rng)
		for _, c := range derivedIDConstants {
			add(fmt.Sprintf("xor %s %x %x", id, c.m, c.l), c.name+" "+id.String(), func() uuid.UUID { return c.f(id) })
		}
		addr := netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), 200, byte(rng.IntN(256))})
		for _, c := range addressRouteIDs {
			first := XorID(id, c.m, c.l)
			add(fmt.Sprintf("bytes %s %s", first, addr), c.name+" "+addr.String(), func() uuid.UUID { return c.f(id, addr) })
		}
		// Extra routes: destination prefix, then next hop by value.
		dst := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(128 + rng.IntN(128)), 1, 2, 0}), 24)
		hop := netip.AddrFrom4([4]byte{byte(128 + rng.IntN(128)), 9, 9, 9})
		add(fmt.Sprintf("subnet4 %s %s %d", id, dst.Addr(), dst.Bits()), "prefix "+dst.String(),
			func() uuid.UUID { return xorPrefix(id, dst) })
		add(fmt.Sprintf("ip4 %s %s", id, hop), "nexthop "+hop.String(), func() uuid.UUID { return xorIP(id, hop) })
		port := randomID(rng)
		add(fmt.Sprintf("xor %s %x %x", XorID(id, msbOf(port), lsbOf(port)), uint64(0x3bcf2eb64be211e5), uint64(0x84ae0242ac110003)),
			"sameSubnetSnat", func() uuid.UUID { return SameSubnetSnatRuleID(id, port) })
	}
	out := run(t, &in, java, "-cp", classes, "DerivedIds")
	lines := strings.Fields(out)
	if len(lines) != len(want) {
		t.Fatalf("java printed %d ids for %d inputs", len(lines), len(want))
	}
	for i, l := range lines {
		if got := want[i](); got.String() != l {
			t.Errorf("%s: ours %s, Java %s", what[i], got, l)
		}
	}
	// The extra route id is the composition of the two steps checked above.
	r := randomID(rng)
	dst, hop := netip.MustParsePrefix("10.1.2.0/24"), netip.MustParseAddr("192.168.1.1")
	if ExtraRouteID(r, dst, hop) != xorIP(xorPrefix(r, dst), hop) {
		t.Error("ExtraRouteID is not prefix-then-next-hop")
	}
}

// TestXorKeepsVersionAndVariant: derived ids of random (v4) ids are still
// v4 RFC 4122 ids, and xor-ing twice gives the id back.
func TestXorKeepsVersionAndVariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100; i++ {
		id := uuid.New()
		m, l := rng.Uint64(), rng.Uint64()
		d := XorID(id, m, l)
		if d.Version() != id.Version() || d.Variant() != id.Variant() {
			t.Fatalf("XorID(%s) = %s changed version/variant", id, d)
		}
		if XorID(d, m, l) != id {
			t.Fatalf("XorID is not an involution for %s", id)
		}
	}
}

func randomID(rng *rand.Rand) uuid.UUID {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(rng.IntN(256))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func msbOf(u uuid.UUID) uint64 {
	var v uint64
	for _, b := range u[:8] {
		v = v<<8 | uint64(b)
	}
	return v
}

func lsbOf(u uuid.UUID) uint64 {
	var v uint64
	for _, b := range u[8:] {
		v = v<<8 | uint64(b)
	}
	return v
}

// requireJava returns javac and java, skipping (failing under CI) when the
// JDK is not installed.
func requireJava(t *testing.T) (javac, java string) {
	t.Helper()
	javac, err1 := exec.LookPath("javac")
	java, err2 := exec.LookPath("java")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the derived-id check needs javac and java (openjdk-17-jdk-headless); CI is set, so this is a failure")
		}
		t.Skip("SKIPPED: the derived-id check needs javac and java (openjdk-17-jdk-headless)")
	}
	return javac, java
}

func run(t *testing.T, stdin *bytes.Buffer, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stdout.String()
}
