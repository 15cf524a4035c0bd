package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kcm "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
)

// startControllerManager runs kube-controller-manager in this process, as
// Kubernetes' own integration tests do (cmd/kube-controller-manager/app/testing),
// with its default controllers. It talks to the apiserver as
// system:kube-controller-manager with its own client certificate and gives
// each controller its own service account's credentials, as kubeadm sets it
// up. The returned channel receives Run's result when it returns (after ctx
// is cancelled, or on failure).
func startControllerManager(ctx context.Context, dataDir, serverURL string, pki *pkiFiles, extra []string) (<-chan error, error) {
	kubeconfig := filepath.Join(dataDir, "controller-manager.kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: serverURL, CertificateAuthority: pki.CACert}
	cfg.AuthInfos["kcm"] = &clientcmdapi.AuthInfo{ClientCertificate: pki.ControllerManager.Cert, ClientKey: pki.ControllerManager.Key}
	cfg.Contexts["kcm"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "kcm"}
	cfg.CurrentContext = "kcm"
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		return nil, err
	}

	// NewKubeControllerManagerOptions reuses the feature gates and versions
	// that kube-apiserver registered (and set from its flags) already.
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, err
	}
	all, disabled, aliases := kcm.KnownControllers(), kcm.ControllersDisabledByDefault(), kcm.ControllerAliases()
	named := s.Flags(all, disabled, aliases)
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	for _, f := range named.FlagSets {
		fs.AddFlagSet(f)
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		// No serving port of its own: nothing here scrapes its metrics or
		// probes its health, and it saves a port and a certificate.
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + pki.SAKey,
		"--root-ca-file=" + pki.CACert,
		"--cluster-signing-cert-file=" + pki.CACert,
		"--cluster-signing-key-file=" + pki.CAKey,
		"--cluster-name=dynclient-test",
		// A test cluster has bursts of work; the default 20 QPS makes namespace deletion crawl.
		"--kube-api-qps=200",
		"--kube-api-burst=400",
		// The defaults ("*"): every controller that is on by default. Those
		// that need a cloud provider or node CIDRs switch themselves off.
		"--controllers=*",
		"--v=0",
	}
	if err := fs.Parse(append(args, extra...)); err != nil {
		return nil, fmt.Errorf("kube-controller-manager flags: %w", err)
	}
	s.ParsedFlags = &named

	c, err := s.Config(ctx, all, disabled, aliases)
	if err != nil {
		return nil, fmt.Errorf("kube-controller-manager config: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- kcm.Run(ctx, c.Complete()) }()
	return done, nil
}
