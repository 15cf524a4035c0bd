// Command apiserver runs a real kube-apiserver backed by an embedded etcd on
// 127.0.0.1 for dynclient's integration tests.
//
// It generates fresh certificates and tokens, starts etcd and kube-apiserver
// in this process, writes a kubeconfig, waits for /readyz and then prints the
// kubeconfig's path as the last line of stdout (everything else goes to
// stderr). It serves until SIGTERM/SIGINT, then shuts both servers down and
// removes its data directory.
//
// With -full it also runs kube-controller-manager in this process and a fake
// kubelet serving the node "harness-node" (see cluster.go), and is ready once
// that node is Ready and the "default" service account exists.
//
// Usage: apiserver [-dir STATE_DIR] [-full] [-- EXTRA_KUBE_APISERVER_FLAGS...]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver:", err)
		os.Exit(1)
	}
}

func run() error {
	// A private flag set: the Kubernetes packages must not see our flags,
	// and everything after "--" is handed to kube-apiserver untouched.
	fs := flag.NewFlagSet("apiserver", flag.ExitOnError)
	stateDir := fs.String("dir", "", "directory for the kubeconfig and admin client certificate (default: a new temporary directory, removed on exit)")
	readyTimeout := fs.Duration("ready-timeout", 3*time.Minute, "how long to wait for /readyz")
	full := fs.Bool("full", false, "also run kube-controller-manager and a fake kubelet (node "+nodeName+")")
	fs.Parse(os.Args[1:])

	// Create the command first: it installs the SIGTERM/SIGINT handler
	// (which may only be installed once per process) and its context is
	// cancelled on the first signal. Using that context for our own set-up
	// means a signal at any point leads to a clean shutdown.
	cmd := app.NewAPIServerCommand()
	ctx := cmd.Context()

	if *stateDir == "" {
		dir, err := os.MkdirTemp("", "dynclient-apiserver-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*stateDir = dir
	}
	stateAbs, err := filepath.Abs(*stateDir)
	if err != nil {
		return err
	}
	// Certificates, tokens and etcd's data live in a temporary directory
	// inside the state directory, so an instance that is killed with
	// SIGKILL leaves nothing behind once its state directory is removed.
	dataDir, err := os.MkdirTemp(stateAbs, "data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	pki, err := generatePKI(dataDir, stateAbs)
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}
	tokens, err := writeTokenFile(filepath.Join(dataDir, "tokens.csv"))
	if err != nil {
		return err
	}

	etcd, etcdURL, err := startEtcd(filepath.Join(dataDir, "etcd"))
	if err != nil {
		return err
	}
	// Runs after the apiserver has returned, i.e. after it stopped using etcd.
	defer etcd.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	serverURL := fmt.Sprintf("https://127.0.0.1:%d", port)

	args := []string{
		"--etcd-servers=" + etcdURL,
		// Serve only on loopback. The advertise address must be set
		// explicitly, otherwise it is guessed from the default route.
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--advertise-address=127.0.0.1",
		// Nothing maintains the "kubernetes" service's endpoints, which
		// keeps the tests independent of each other's instances.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + dataDir,
		"--tls-cert-file=" + pki.ServingCert,
		"--tls-private-key-file=" + pki.ServingKey,
		"--client-ca-file=" + pki.CACert,
		"--token-auth-file=" + tokens.file,
		"--authorization-mode=RBAC",
		"--service-account-key-file=" + pki.SAPub,
		"--service-account-signing-key-file=" + pki.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		// Only used to allocate ClusterIPs; nothing is routed.
		"--service-cluster-ip-range=10.0.0.0/24",
		"--profiling=false",
		"--v=0",
	}
	if *full {
		args = append(args,
			// How the apiserver reaches the fake kubelet for logs, exec,
			// attach and port-forward; it checks the kubelet's certificate.
			"--kubelet-client-certificate="+pki.KubeletClient.Cert,
			"--kubelet-client-key="+pki.KubeletClient.Key,
			"--kubelet-certificate-authority="+pki.CACert,
			"--kubelet-preferred-address-types=InternalIP",
		)
	} else {
		// Without a controller-manager no ServiceAccount ("default") is
		// ever created, so the admission plugin would reject every pod.
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	args = append(args, fs.Args()...)
	cmd.SetArgs(args)

	served := make(chan error, 1)
	go func() { served <- cmd.Execute() }()

	kubeconfig := filepath.Join(stateAbs, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, serverURL, pki.caPEM, tokens); err != nil {
		return err
	}

	start := time.Now()
	if err := waitReady(ctx, kubeconfig, *readyTimeout, served, etcd.Err()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "apiserver: ready at %s after %.1fs\n", serverURL, time.Since(start).Seconds())
	var clusterErr <-chan error
	if *full {
		if clusterErr, err = startCluster(ctx, dataDir, kubeconfig, serverURL, pki, *readyTimeout); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "apiserver: cluster (controller-manager, node %s) ready after %.1fs\n", nodeName, time.Since(start).Seconds())
	}
	// The contract with tests/apiserver/run: the last line of stdout.
	fmt.Println(kubeconfig)

	select {
	case err := <-served:
		// Returns after a signal cancelled ctx and the apiserver shut
		// down gracefully, or when it failed.
		if err != nil {
			return fmt.Errorf("kube-apiserver: %w", err)
		}
		fmt.Fprintln(os.Stderr, "apiserver: shut down")
		return nil
	case err := <-etcd.Err():
		return fmt.Errorf("etcd: %w", err)
	case err := <-clusterErr: // nil channel (never ready) without -full
		return err
	}
}

// tokenFile describes the static bearer tokens of the two test users.
type tokenFile struct {
	file         string
	admin        string // user "admin", group system:masters
	unprivileged string // user "unprivileged", no groups: everything is Forbidden
}

// writeTokenFile generates random tokens and writes them in the
// --token-auth-file CSV format: token,user,uid[,"group1,group2"].
func writeTokenFile(path string) (*tokenFile, error) {
	t := &tokenFile{file: path, admin: randomToken(), unprivileged: randomToken()}
	csv := fmt.Sprintf("%s,admin,admin,system:masters\n%s,unprivileged,unprivileged\n", t.admin, t.unprivileged)
	return t, os.WriteFile(path, []byte(csv), 0o600)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b) // never fails (crypto/rand panics rather than returning errors)
	return hex.EncodeToString(b)
}

// writeKubeconfig writes a kubeconfig with the contexts "admin" (current) and
// "unprivileged". It is written to a temporary file and renamed, so readers
// never see a partial file.
func writeKubeconfig(path, server string, caPEM []byte, tokens *tokenFile) error {
	const cluster = "dynclient-test"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[cluster] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: tokens.admin}
	cfg.AuthInfos["unprivileged"] = &clientcmdapi.AuthInfo{Token: tokens.unprivileged}
	cfg.Contexts["admin"] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: "admin", Namespace: "default"}
	cfg.Contexts["unprivileged"] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: "unprivileged", Namespace: "default"}
	cfg.CurrentContext = "admin"

	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kubeconfig-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// waitReady polls /readyz with the admin credentials from the kubeconfig
// (which also proves the kubeconfig works) until it returns 200. It gives up
// early when the apiserver or etcd exits, or on a signal.
func waitReady(ctx context.Context, kubeconfig string, timeout time.Duration, served <-chan error, etcdErr <-chan error) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	client.Timeout = 5 * time.Second
	deadline := time.After(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(client, cfg.Host+"/readyz") {
			return nil
		}
		select {
		case err := <-served:
			if err == nil {
				err = errors.New("exited before becoming ready")
			}
			return fmt.Errorf("kube-apiserver: %w", err)
		case err := <-etcdErr:
			return fmt.Errorf("etcd: %w", err)
		case <-ctx.Done():
			return errors.New("interrupted before the apiserver became ready")
		case <-deadline:
			return fmt.Errorf("/readyz did not return 200 within %s", timeout)
		case <-tick.C:
		}
	}
}

func ready(client *http.Client, url string) bool {
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
