package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pkiFiles are the paths of the PEM files the apiserver is started with.
type pkiFiles struct {
	CACert      string // CA for serving and client certificates (--client-ca-file)
	ServingCert string // --tls-cert-file
	ServingKey  string // --tls-private-key-file
	AdminCert   string // client certificate: CN=admin, O=system:masters
	AdminKey    string
	SAKey       string // service-account signing key (private)
	SAPub       string // service-account verification key (public)

	// Only used by the full cluster (see cluster.go); generated always,
	// because it costs a millisecond each.
	CAKey             string   // the CA's key, for the controller-manager's CSR signer
	ControllerManager certPair // CN=system:kube-controller-manager (its RBAC role binds this user)
	KubeletClient     certPair // the apiserver's client certificate towards the kubelet
	KubeletServing    certPair // the fake kubelet's serving certificate for 127.0.0.1
	Node              certPair // the fake kubelet's client certificate, see cluster.go

	caCert *x509.Certificate

	caPEM []byte // kept for the kubeconfig's certificate-authority-data
}

// certPair is the paths of a certificate and its key.
type certPair struct{ Cert, Key string }

// generatePKI creates a throw-away CA, a serving certificate for
// 127.0.0.1/localhost, an admin client certificate and a service-account key
// pair under dir. ECDSA P-256 keeps generation instant; the certificates only
// live as long as the instance.
func generatePKI(dir, adminDir string) (*pkiFiles, error) {
	p := &pkiFiles{
		CACert:      filepath.Join(dir, "ca.crt"),
		ServingCert: filepath.Join(dir, "serving.crt"),
		ServingKey:  filepath.Join(dir, "serving.key"),
		// The admin client certificate goes next to the kubeconfig so tests
		// can exercise client-certificate authentication as well.
		AdminCert: filepath.Join(adminDir, "admin.crt"),
		AdminKey:  filepath.Join(adminDir, "admin.key"),
		SAKey:     filepath.Join(dir, "sa.key"),
		SAPub:     filepath.Join(dir, "sa.pub"),
	}

	// Backdate by an hour so small clock differences never make a fresh
	// certificate "not yet valid".
	notBefore := time.Now().Add(-time.Hour)
	notAfter := notBefore.Add(365 * 24 * time.Hour)

	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "dynclient-test-ca"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caCert, caDER, err := sign(caTmpl, caKey, nil, nil)
	if err != nil {
		return nil, err
	}
	p.caCert = caCert
	p.caPEM = pemBlock("CERTIFICATE", caDER)
	if err := os.WriteFile(p.CACert, p.caPEM, 0o600); err != nil {
		return nil, err
	}

	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if err := issue(serving, caCert, caKey, p.ServingCert, p.ServingKey); err != nil {
		return nil, err
	}

	admin := &x509.Certificate{
		// The x509 authenticator maps CN to the user name and O to groups.
		Subject:     pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := issue(admin, caCert, caKey, p.AdminCert, p.AdminKey); err != nil {
		return nil, err
	}

	p.CAKey = filepath.Join(dir, "ca.key")
	if err := writeKey(p.CAKey, caKey); err != nil {
		return nil, err
	}
	clients := []struct {
		pair   *certPair
		name   string
		cn     string
		groups []string
	}{
		{&p.ControllerManager, "controller-manager", "system:kube-controller-manager", nil},
		// Like kubeadm's apiserver-kubelet-client: the kubelet authorizes nothing itself here.
		{&p.KubeletClient, "kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}},
		// The fake kubelet also plays the scheduler (it binds pods to its node), which the
		// Node authorizer would never allow a kubelet; system:masters keeps it to one identity.
		{&p.Node, "node", "system:node:" + nodeName, []string{"system:nodes", "system:masters"}},
	}
	for _, c := range clients {
		*c.pair = certPair{filepath.Join(dir, c.name+".crt"), filepath.Join(dir, c.name+".key")}
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: c.cn, Organization: c.groups},
			NotBefore:   notBefore,
			NotAfter:    notAfter,
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := issue(tmpl, caCert, caKey, c.pair.Cert, c.pair.Key); err != nil {
			return nil, err
		}
	}
	p.KubeletServing = certPair{filepath.Join(dir, "kubelet.crt"), filepath.Join(dir, "kubelet.key")}
	kubeletServing := &x509.Certificate{
		Subject:     pkix.Name{CommonName: nodeName},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{nodeName, "localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if err := issue(kubeletServing, caCert, caKey, p.KubeletServing.Cert, p.KubeletServing.Key); err != nil {
		return nil, err
	}

	// The service-account token signer accepts ECDSA keys (ES256).
	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	if err := writeKey(p.SAKey, saKey); err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.SAPub, pemBlock("PUBLIC KEY", pubDER), 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// sign creates a certificate from tmpl for key, signed by parent/parentKey
// (self-signed when parent is nil).
func sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, []byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("creating certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, der, err
}

// issue generates a key, signs tmpl with the CA and writes both as PEM.
func issue(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, certPath, keyPath string) error {
	key, err := newKey()
	if err != nil {
		return err
	}
	_, der, err := sign(tmpl, key, ca, caKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, pemBlock("CERTIFICATE", der), 0o600); err != nil {
		return err
	}
	return writeKey(keyPath, key)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pemBlock("PRIVATE KEY", der), 0o600)
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
