package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
	"k8s.io/component-base/version"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/klog/v2"
	utilexec "k8s.io/utils/exec"
)

// The kubelet's defaults for streaming connections.
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = 30 * time.Second
)

func kubeVersion() string { return version.Get().GitVersion }

// serve runs the kubelet API on 127.0.0.1 with TLS; only clients with a
// certificate from the harness's CA (the apiserver) get in.
func (k *kubelet) serve(ctx context.Context, pki *pkiFiles) error {
	cert, err := tls.LoadX509KeyPair(pki.KubeletServing.Cert, pki.KubeletServing.Key)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(pki.caCert)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	k.port = l.Addr().(*net.TCPAddr).Port
	if k.echoPort, err = echoServer(ctx); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/containerLogs/", k.handleLogs)
	mux.HandleFunc("/exec/", k.handleExec)
	mux.HandleFunc("/attach/", k.handleAttach)
	mux.HandleFunc("/portForward/", k.handlePortForward) // the apiserver's spelling
	mux.HandleFunc("/portforward/", k.handlePortForward) // the kubelet serves both
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := &http.Server{
		Handler:   mux,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
		ErrorLog:  nil,
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.ServeTLS(l, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "harness kubelet: serving")
		}
	}()
	return nil
}

// target parses /<verb>/<namespace>/<pod>[/<uid>]/<container> (the container
// is absent for portforward) and finds the pod.
func (k *kubelet) target(w http.ResponseWriter, r *http.Request, withContainer bool) (*podRuntime, *container, bool) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	want := 3
	if withContainer {
		want = 4
	}
	if len(parts) != want && len(parts) != want+1 {
		http.Error(w, "bad path "+r.URL.Path, http.StatusNotFound)
		return nil, nil, false
	}
	p := k.lookup(parts[1], parts[2])
	if p == nil || (len(parts) == want+1 && string(p.pod.UID) != parts[3]) {
		http.Error(w, fmt.Sprintf("pod %s/%s not found on %s", parts[1], parts[2], nodeName), http.StatusNotFound)
		return nil, nil, false
	}
	if !withContainer {
		return p, nil, true
	}
	name := parts[len(parts)-1]
	c := p.containers[name]
	if c == nil {
		http.Error(w, fmt.Sprintf("container %q not found in pod %s/%s", name, parts[1], parts[2]), http.StatusNotFound)
		return nil, nil, false
	}
	return p, c, true
}

// handleLogs serves /containerLogs/<ns>/<pod>/<container> with the kubelet's
// query parameters: follow, previous, tailLines, sinceSeconds, sinceTime,
// timestamps and limitBytes.
func (k *kubelet) handleLogs(w http.ResponseWriter, r *http.Request) {
	_, c, ok := k.target(w, r, true)
	if !ok {
		return
	}
	q := r.URL.Query()
	follow := q.Get("follow") == "true"
	previous := q.Get("previous") == "true"
	timestamps := q.Get("timestamps") == "true"
	tail, limit := int64(-1), int64(-1)
	var since time.Time
	var err error
	if v := q.Get("tailLines"); v != "" {
		if tail, err = strconv.ParseInt(v, 10, 64); err != nil {
			http.Error(w, "tailLines: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if limit, err = strconv.ParseInt(v, 10, 64); err != nil {
			http.Error(w, "limitBytes: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, "sinceSeconds: "+err.Error(), http.StatusBadRequest)
			return
		}
		since = time.Now().Add(-time.Duration(n) * time.Second)
	} else if v := q.Get("sinceTime"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			http.Error(w, "sinceTime: "+err.Error(), http.StatusBadRequest)
			return
		}
	}

	c.mu.Lock()
	restarts := c.restarts
	lines := c.log
	if previous {
		if restarts == 0 {
			c.mu.Unlock()
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", c.spec.Name, c.p.pod.Name), http.StatusBadRequest)
			return
		}
		lines = c.previous
		follow = false
	}
	lines = lines[:len(lines):len(lines)]
	c.mu.Unlock()

	w.Header().Set("Content-Type", "text/plain")
	flusher, _ := w.(http.Flusher)
	written := int64(0)
	// emit writes one line; false once limitBytes is used up or the client left.
	emit := func(l logLine) bool {
		if !since.IsZero() && l.at.Before(since) {
			return true
		}
		s := l.text + "\n"
		if timestamps {
			s = l.at.UTC().Format(time.RFC3339Nano) + " " + s
		}
		if limit >= 0 && written+int64(len(s)) > limit {
			s = s[:limit-written]
		}
		n, err := io.WriteString(w, s)
		written += int64(n)
		return err == nil && (limit < 0 || written < limit)
	}
	start := 0
	if tail >= 0 && int64(len(lines)) > tail {
		start = len(lines) - int(tail)
	}
	for _, l := range lines[start:] {
		if !emit(l) {
			return
		}
	}
	if flusher != nil {
		flusher.Flush()
	}
	if !follow {
		return
	}
	next := len(lines)
	for {
		c.mu.Lock()
		if c.restarts != restarts {
			c.mu.Unlock()
			return // that instance is gone
		}
		more := c.log[next:len(c.log):len(c.log)]
		next = len(c.log)
		running, wake := c.running, c.wake
		c.mu.Unlock()
		for _, l := range more {
			if !emit(l) {
				return
			}
		}
		if flusher != nil && len(more) > 0 {
			flusher.Flush()
		}
		if !running {
			return // everything it wrote is out, and it writes no more
		}
		select {
		case <-r.Context().Done():
			return
		case <-c.p.ctxDone():
			return
		case <-wake:
		}
	}
}

func (p *podRuntime) ctxDone() <-chan struct{} { return p.done }

func (k *kubelet) handleExec(w http.ResponseWriter, r *http.Request) {
	p, c, ok := k.target(w, r, true)
	if !ok {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	remotecommand.ServeExec(w, r, &runtime{p}, p.pod.Name, string(p.pod.UID), c.spec.Name, cmd, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (k *kubelet) handleAttach(w http.ResponseWriter, r *http.Request) {
	p, c, ok := k.target(w, r, true)
	if !ok {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	remotecommand.ServeAttach(w, r, &runtime{p}, p.pod.Name, string(p.pod.UID), c.spec.Name, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (k *kubelet) handlePortForward(w http.ResponseWriter, r *http.Request) {
	p, _, ok := k.target(w, r, false)
	if !ok {
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	portforward.ServePortForward(w, r, &runtime{p}, p.pod.Name, string(p.pod.UID), opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// runtime is what the streaming server calls into for one pod: the
// remotecommand.Executor, remotecommand.Attacher and portforward.PortForwarder.
type runtime struct{ p *podRuntime }

// ExecInContainer runs cmd on the host under sh -c, in the pod's scratch
// directory, with a clean environment (PATH, HOME, HOSTNAME, TERM with a TTY,
// and the container's literal env values). A non-zero exit is reported as
// the kubelet reports it: an ExitError, which the streaming server turns into
// the NonZeroExitCode status that kubectl exits with.
func (rt *runtime) ExecInContainer(ctx context.Context, _, _, name string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	if len(cmd) == 0 {
		return errors.New("no command given")
	}
	c := rt.p.containers[name]
	// sh -c 'exec "$@"' sh ARGS... runs ARGS as given, without re-splitting them.
	proc := exec.CommandContext(ctx, "sh", append([]string{"-c", `exec "$@"`, "sh"}, cmd...)...)
	proc.Dir = rt.p.dir
	proc.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + rt.p.dir,
		"HOSTNAME=" + rt.p.pod.Name,
	}
	if tty {
		proc.Env = append(proc.Env, "TERM=xterm")
	}
	if c != nil {
		for _, e := range c.spec.Env {
			if e.ValueFrom == nil {
				proc.Env = append(proc.Env, e.Name+"="+e.Value)
			}
		}
	}
	var err error
	if tty {
		err = runTTY(proc, in, out, resize)
	} else {
		err = runPiped(proc, in, out, errw)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() >= 0 {
		return utilexec.CodeExitError{Err: err, Code: exitErr.ExitCode()}
	}
	return err
}

// runPiped runs proc with plain pipes. Stdin is copied by a goroutine of our
// own: exec.Cmd would wait for it, and the client may never close its stdin.
func runPiped(proc *exec.Cmd, in io.Reader, out, errw io.Writer) error {
	if out != nil {
		proc.Stdout = out
	}
	if errw != nil {
		proc.Stderr = errw
	}
	var stdin io.WriteCloser
	if in != nil {
		var err error
		if stdin, err = proc.StdinPipe(); err != nil {
			return err
		}
	}
	if err := proc.Start(); err != nil {
		return err
	}
	if stdin != nil {
		go func() {
			io.Copy(stdin, in)
			stdin.Close()
		}()
	}
	err := proc.Wait()
	if stdin != nil {
		stdin.Close()
	}
	return err
}

// runTTY runs proc on a new pseudo-terminal, resized as the client asks.
func runTTY(proc *exec.Cmd, in io.Reader, out io.Writer, resize <-chan remotecommand.TerminalSize) error {
	ptmx, err := pty.Start(proc)
	if err != nil {
		return err
	}
	defer ptmx.Close()
	if resize != nil {
		go func() {
			for size := range resize {
				pty.Setsize(ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
	}
	if in != nil {
		go io.Copy(ptmx, in)
	}
	copied := make(chan struct{})
	go func() {
		if out != nil {
			io.Copy(out, ptmx) // ends with EIO once the process (and its children) closed the terminal
		} else {
			io.Copy(io.Discard, ptmx)
		}
		close(copied)
	}()
	err = proc.Wait()
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	return err
}

// AttachContainer connects to a fake container: its new log lines go to out,
// and if the container has stdin (spec.stdin), what the client sends is
// written to the log line by line, as a container running cat would.
func (rt *runtime) AttachContainer(ctx context.Context, _, _, name string, in io.Reader, out, _ io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	c := rt.p.containers[name]
	if c == nil {
		return fmt.Errorf("container %q not found", name)
	}
	if resize != nil {
		go func() {
			for range resize { // nothing to resize: a fake container has no terminal
			}
		}()
	}
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return fmt.Errorf("container %q is not running", name)
	}
	next, restarts := len(c.log), c.restarts
	c.mu.Unlock()

	inputDone := make(chan struct{})
	if in != nil && c.spec.Stdin {
		go func() {
			defer close(inputDone)
			sc := bufio.NewScanner(in)
			for sc.Scan() {
				c.write(strings.TrimRight(sc.Text(), "\r"))
			}
		}()
	} else if in != nil {
		go io.Copy(io.Discard, in)
	}
	var mu sync.Mutex
	for {
		c.mu.Lock()
		more := c.log[next:len(c.log):len(c.log)]
		next = len(c.log)
		running, wake, gone := c.running, c.wake, c.restarts != restarts
		c.mu.Unlock()
		if out != nil {
			mu.Lock()
			for _, l := range more {
				line := l.text + "\n"
				if tty {
					line = l.text + "\r\n"
				}
				if _, err := io.WriteString(out, line); err != nil {
					mu.Unlock()
					return nil
				}
			}
			mu.Unlock()
		}
		if !running || gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-rt.p.ctxDone():
			return nil
		case <-inputDone:
			// stdin closed: show what it wrote, then detach (StdinOnce-like).
			inputDone = nil
			c.mu.Lock()
			more := c.log[next:len(c.log):len(c.log)]
			c.mu.Unlock()
			if out != nil {
				for _, l := range more {
					io.WriteString(out, l.text+"\n")
				}
			}
			return nil
		case <-wake:
		}
	}
}

// PortForward connects a forwarded connection to the echo server, or to the
// loopback port that the annotation harness.dynclient.test/port-<port> names.
func (rt *runtime) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	target := rt.p.k.echoPort
	if v, ok := rt.p.pod.Annotations[annPortPrefix+strconv.Itoa(int(port))]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("annotation %s%d: %q is not a port", annPortPrefix, port, v)
		}
		target = n
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(target)))
	if err != nil {
		return fmt.Errorf("pod port %d (127.0.0.1:%d): %w", port, target, err)
	}
	defer conn.Close()
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		io.Copy(stream, conn)
		done <- struct{}{}
	}()
	<-done
	<-done
	return nil
}
