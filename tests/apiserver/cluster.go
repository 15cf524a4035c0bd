package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// startCluster turns the running apiserver into a small cluster: it starts
// kube-controller-manager and the fake kubelet of harness-node in this
// process and waits until the node is Ready and the service account
// controller has created "default" in the namespace "default" (so that pods
// pass the ServiceAccount admission plugin). The channel reports a component
// that fails while ctx is still alive.
func startCluster(ctx context.Context, dataDir, kubeconfig, serverURL string, pki *pkiFiles, timeout time.Duration) (<-chan error, error) {
	failed := make(chan error, 2)
	report := func(what string, err error) {
		if ctx.Err() == nil {
			if err == nil {
				err = fmt.Errorf("stopped")
			}
			failed <- fmt.Errorf("%s: %w", what, err)
		}
	}

	kcmDone, err := startControllerManager(ctx, dataDir, serverURL, pki, nil)
	if err != nil {
		return nil, err
	}
	go func() { report("kube-controller-manager", <-kcmDone) }()

	nodeCfg := &rest.Config{
		Host: serverURL,
		TLSClientConfig: rest.TLSClientConfig{
			CAFile: pki.CACert, CertFile: pki.Node.Cert, KeyFile: pki.Node.Key,
		},
	}
	k, err := newKubelet(nodeCfg, filepath.Join(dataDir, "pods"))
	if err != nil {
		return nil, err
	}
	if err := k.serve(ctx, pki); err != nil {
		return nil, fmt.Errorf("kubelet API: %w", err)
	}
	go func() { report("fake kubelet", k.run(ctx)) }()

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	admin, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if clusterReady(ctx, admin) {
			return failed, nil
		}
		select {
		case err := <-failed:
			return nil, err
		case <-ctx.Done():
			return nil, fmt.Errorf("interrupted before the cluster became ready")
		case <-deadline:
			return nil, fmt.Errorf("node %s and service account default/default not ready within %s", nodeName, timeout)
		case <-tick.C:
		}
	}
}

func clusterReady(ctx context.Context, c kubernetes.Interface) bool {
	node, err := c.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return false
	}
	ready := false
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return false
	}
	_, err = c.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
	return err == nil
}
