package main

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/logutil"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// etcdServer is an embedded etcd whose logging can be silenced on shutdown.
type etcdServer struct {
	*embed.Etcd
	logLevel zap.AtomicLevel
}

// Close stops etcd. Closing its listeners makes etcd log "server closed"
// errors, which are expected at this point, so logging is turned off first.
//
// A graceful stop waits up to etcd's request timeout (7s) for client streams
// that the stopped apiserver sometimes leaves open. The data is thrown away
// anyway, so Close gives etcd a moment and then lets the process exit.
func (s *etcdServer) Close() {
	s.logLevel.SetLevel(zapcore.FatalLevel)
	done := make(chan struct{})
	go func() {
		s.Etcd.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// startEtcd runs a single-member etcd inside this process, storing its data
// in dir and listening on free loopback ports. It returns once etcd serves
// clients, together with the client URL for --etcd-servers.
func startEtcd(dir string) (*etcdServer, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	cfg := embed.NewConfig()
	cfg.Name = "dynclient-test"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	// A single member never talks to peers, but etcd still insists on a peer
	// listener; keep it on loopback too.
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// Test data is disposable: skipping fsync makes writes (and therefore
	// the whole test suite) much faster.
	cfg.UnsafeNoFsync = true
	// etcd logs every request at info level; only errors are interesting.
	// A logger of our own (etcd's default configuration, writing to
	// stderr) lets Close change the level later.
	logCfg := logutil.DefaultZapLoggerConfig
	logCfg.Level = zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	logger, err := logCfg.Build()
	if err != nil {
		return nil, "", err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("starting etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, "", fmt.Errorf("etcd failed: %w", err)
	case <-time.After(time.Minute):
		e.Close()
		return nil, "", fmt.Errorf("etcd did not become ready within a minute")
	}
	return &etcdServer{Etcd: e, logLevel: logCfg.Level}, clientURL.String(), nil
}

// freePort asks the kernel for an unused loopback port. The port is released
// again before use, which is racy in theory, but the kernel hands out
// ephemeral ports in random order, so parallel instances practically never
// collide.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
