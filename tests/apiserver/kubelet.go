package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// nodeName is the one node of the harness's cluster.
const nodeName = "harness-node"

// The annotations on a pod that tell the fake kubelet what its containers do.
// Each can be given for one container by appending ".<container name>" to the
// key, which wins over the pod-wide key. See README.md.
const (
	annotationPrefix  = "harness.dynclient.test/"
	annLogLines       = annotationPrefix + "log-lines"    // how many lines a container writes (default 0; -1: without end)
	annLogInterval    = annotationPrefix + "log-interval" // Go duration between lines (default 0: all at once)
	annLogText        = annotationPrefix + "log-text"     // the line; {n} is the line number, {container} its name
	annExitCode       = annotationPrefix + "exit-code"    // the container ends with this code after its lines
	annRunFor         = annotationPrefix + "run-for"      // ... and after running this long (Go duration)
	annPortPrefix     = annotationPrefix + "port-"        // port-<pod port>: "<loopback port>" for port-forward
	defaultLogText    = "{container} line {n}"
	restartBackoff    = time.Second
	leaseDuration     = 40
	heartbeatInterval = 10 * time.Second
)

// kubelet is the fake kubelet of harness-node. There are no containers: a
// "container" is a goroutine that writes log lines and maybe ends with an
// exit code, as the pod's annotations say, while exec runs commands on the
// host in the pod's scratch directory.
type kubelet struct {
	client   kubernetes.Interface
	dir      string // per-pod scratch directories live here
	port     int    // the kubelet API's port
	echoPort int    // the loopback TCP echo server behind port-forward

	mu     sync.Mutex
	pods   map[types.UID]*podRuntime
	byName map[string]*podRuntime // "namespace/name"
	nextIP int
}

func newKubelet(cfg *rest.Config, dir string) (*kubelet, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "harness-kubelet"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &kubelet{client: client, dir: dir, pods: map[types.UID]*podRuntime{}, byName: map[string]*podRuntime{}}, nil
}

// run registers the node, then keeps its lease and status fresh, binds
// unscheduled pods to it and runs the pods bound to it until ctx ends.
func (k *kubelet) run(ctx context.Context) error {
	if err := k.registerNode(ctx); err != nil {
		return fmt.Errorf("registering node %s: %w", nodeName, err)
	}
	go k.heartbeat(ctx)

	// The scheduler's part: with one node, every pod goes there.
	unscheduled := cache.NewSharedIndexInformer(
		cache.NewListWatchFromClient(k.client.CoreV1().RESTClient(), "pods", metav1.NamespaceAll, fields.OneTermEqualSelector("spec.nodeName", "")),
		&corev1.Pod{}, 0, cache.Indexers{})
	unscheduled.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { k.bind(ctx, obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj interface{}) { k.bind(ctx, obj.(*corev1.Pod)) },
	})
	// The kubelet's part: the pods on this node.
	mine := cache.NewSharedIndexInformer(
		cache.NewListWatchFromClient(k.client.CoreV1().RESTClient(), "pods", metav1.NamespaceAll, fields.OneTermEqualSelector("spec.nodeName", nodeName)),
		&corev1.Pod{}, 0, cache.Indexers{})
	mine.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { k.syncPod(ctx, obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj interface{}) { k.syncPod(ctx, obj.(*corev1.Pod)) },
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				k.forget(pod.UID)
			}
		},
	})
	go unscheduled.Run(ctx.Done())
	go mine.Run(ctx.Done())
	<-ctx.Done()
	return nil
}

func (k *kubelet) nodeStatus() corev1.NodeStatus {
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	res := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("8"),
		corev1.ResourceMemory:           resource.MustParse("32Gi"),
		corev1.ResourcePods:             resource.MustParse("250"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	return corev1.NodeStatus{
		Capacity:    res,
		Allocatable: res,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "the harness's fake kubelet is posting ready status"),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
			{Type: corev1.NodeHostName, Address: nodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.port)}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               "harness",
			SystemUUID:              "harness",
			BootID:                  "harness",
			KernelVersion:           "harness",
			OSImage:                 "dynclient test harness (no containers)",
			ContainerRuntimeVersion: "harness://0.1",
			KubeletVersion:          kubeVersion(),
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
}

func (k *kubelet) registerNode(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: nodeName,
		Labels: map[string]string{
			"kubernetes.io/hostname": nodeName,
			"kubernetes.io/os":       "linux",
			"kubernetes.io/arch":     "amd64",
		},
	}}
	created, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Status = k.nodeStatus()
	if _, err := k.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return err
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: nodeName, Namespace: corev1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: nodeName, UID: created.UID}}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(nodeName), LeaseDurationSeconds: ptr.To(int32(leaseDuration)),
			RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	_, err = k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{})
	return err
}

// heartbeat renews the node's lease and refreshes its status, so the node
// lifecycle controller never finds it NotReady and evicts its pods.
func (k *kubelet) heartbeat(ctx context.Context) {
	tick := time.NewTicker(heartbeatInterval)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		leases := k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
		if l, err := leases.Get(ctx, nodeName, metav1.GetOptions{}); err == nil {
			l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
			if _, err := leases.Update(ctx, l, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
				klog.ErrorS(err, "harness kubelet: renewing the node lease")
			}
		}
		if n%4 == 0 {
			if node, err := k.client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{}); err == nil {
				node.Status = k.nodeStatus()
				if _, err := k.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
					klog.ErrorS(err, "harness kubelet: updating the node status")
				}
			}
		}
	}
}

func (k *kubelet) bind(ctx context.Context, pod *corev1.Pod) {
	if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil || len(pod.Spec.SchedulingGates) > 0 ||
		pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return
	}
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: nodeName},
	}
	err := k.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
		klog.ErrorS(err, "harness kubelet: binding", "pod", klog.KObj(pod))
	}
}

// syncPod starts the containers of a new pod, and finishes a pod being deleted
// as the kubelet does: containers stopped, then deleted with grace period 0.
func (k *kubelet) syncPod(ctx context.Context, pod *corev1.Pod) {
	if pod.DeletionTimestamp != nil {
		k.forget(pod.UID)
		err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To(int64(0)),
			Preconditions:      metav1.NewUIDPreconditions(string(pod.UID)),
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
			klog.ErrorS(err, "harness kubelet: deleting", "pod", klog.KObj(pod))
		}
		return
	}
	k.mu.Lock()
	if _, ok := k.pods[pod.UID]; ok {
		k.mu.Unlock()
		return
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		k.mu.Unlock()
		return // finished before (never on this kubelet's watch, but be safe)
	}
	k.nextIP++
	ip := fmt.Sprintf("10.88.%d.%d", k.nextIP/250, k.nextIP%250+2)
	podCtx, cancel := context.WithCancel(ctx)
	p := &podRuntime{
		k: k, pod: pod.DeepCopy(), ip: ip, cancel: cancel, done: podCtx.Done(), started: time.Now(),
		dir:        filepath.Join(k.dir, string(pod.UID)),
		containers: map[string]*container{},
		changed:    make(chan struct{}, 1),
	}
	for _, c := range pod.Spec.Containers {
		p.containers[c.Name] = newContainer(p, c)
		p.order = append(p.order, c.Name)
	}
	k.pods[pod.UID] = p
	k.byName[pod.Namespace+"/"+pod.Name] = p
	k.mu.Unlock()

	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		klog.ErrorS(err, "harness kubelet: scratch directory", "pod", klog.KObj(pod))
	}
	go p.reportStatus(podCtx)
	for _, name := range p.order {
		go p.containers[name].run(podCtx)
	}
}

func (k *kubelet) forget(uid types.UID) {
	k.mu.Lock()
	p, ok := k.pods[uid]
	if ok {
		delete(k.pods, uid)
		key := p.pod.Namespace + "/" + p.pod.Name
		if k.byName[key] == p {
			delete(k.byName, key)
		}
	}
	k.mu.Unlock()
	if ok {
		p.cancel()
		os.RemoveAll(p.dir)
	}
}

func (k *kubelet) lookup(namespace, name string) *podRuntime {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.byName[namespace+"/"+name]
}

// podRuntime is one pod on the node.
type podRuntime struct {
	k          *kubelet
	pod        *corev1.Pod // as first seen; spec and annotations are what matter
	ip         string
	dir        string
	started    time.Time
	cancel     context.CancelFunc
	done       <-chan struct{} // closed when the pod is stopped
	containers map[string]*container
	order      []string
	changed    chan struct{} // a container changed state: report the status
}

// annotation looks a setting up for one container (key.<container> wins over key).
func (p *podRuntime) annotation(key, container string) (string, bool) {
	if v, ok := p.pod.Annotations[key+"."+container]; ok {
		return v, true
	}
	v, ok := p.pod.Annotations[key]
	return v, ok
}

func (p *podRuntime) poke() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// reportStatus writes the pod's status whenever a container changes state.
func (p *podRuntime) reportStatus(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.changed:
		}
		err := retry.OnError(retry.DefaultBackoff, func(err error) bool { return apierrors.IsConflict(err) }, func() error {
			cur, err := p.k.client.CoreV1().Pods(p.pod.Namespace).Get(ctx, p.pod.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cur.UID != p.pod.UID || cur.DeletionTimestamp != nil {
				return nil
			}
			cur.Status = p.status(cur.Status)
			_, err = p.k.client.CoreV1().Pods(p.pod.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
			klog.ErrorS(err, "harness kubelet: updating status", "pod", klog.KObj(p.pod))
		}
	}
}

func (p *podRuntime) status(old corev1.PodStatus) corev1.PodStatus {
	start := metav1.NewTime(p.started)
	st := corev1.PodStatus{
		HostIP:    "127.0.0.1",
		HostIPs:   []corev1.HostIP{{IP: "127.0.0.1"}},
		PodIP:     p.ip,
		PodIPs:    []corev1.PodIP{{IP: p.ip}},
		StartTime: &start,
		QOSClass:  old.QOSClass,
	}
	allReady, allDone, anyFailed := true, true, false
	for _, name := range p.order {
		cs := p.containers[name].status()
		allReady = allReady && cs.Ready
		if cs.State.Terminated == nil {
			allDone = false
		} else if cs.State.Terminated.ExitCode != 0 {
			anyFailed = true
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	for _, c := range p.pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "harness://" + c.Image, ContainerID: containerID(p.pod.UID, c.Name, 0),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start, ContainerID: containerID(p.pod.UID, c.Name, 0)}},
		})
	}
	switch {
	case allDone && anyFailed:
		st.Phase = corev1.PodFailed
	case allDone:
		st.Phase = corev1.PodSucceeded
	default:
		st.Phase = corev1.PodRunning
	}
	// Keep a condition's transition time while its status stays the same.
	prev := map[corev1.PodConditionType]corev1.PodCondition{}
	for _, c := range old.Conditions {
		prev[c.Type] = c
	}
	cond := func(t corev1.PodConditionType, ok bool, reason string) {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, LastTransitionTime: metav1.Now()}
		if ok {
			c.Status, c.Reason = corev1.ConditionTrue, ""
		}
		if o, found := prev[t]; found && o.Status == c.Status {
			c.LastTransitionTime = o.LastTransitionTime
		}
		st.Conditions = append(st.Conditions, c)
	}
	notReady := "ContainersNotReady"
	if allDone {
		notReady = "PodCompleted"
	}
	cond(corev1.PodReadyToStartContainers, !allDone, "")
	cond(corev1.PodInitialized, true, "")
	cond(corev1.ContainersReady, allReady, notReady)
	cond(corev1.PodReady, allReady, notReady)
	cond(corev1.PodScheduled, true, "")
	return st
}

func containerID(uid types.UID, name string, restarts int) string {
	return fmt.Sprintf("harness://%s-%s-%d", uid, name, restarts)
}

// logLine is one line of a container's log, with the time it was written.
type logLine struct {
	at   time.Time
	text string
}

// container is one fake container: its log, its state and its restarts.
type container struct {
	p    *podRuntime
	spec corev1.Container

	mu        sync.Mutex
	log       []logLine // the current instance's
	previous  []logLine // the last instance's, for ?previous=true
	restarts  int
	running   bool
	startedAt time.Time
	last      *corev1.ContainerStateTerminated // how the last instance ended
	waiting   bool                             // between an exit and the restart
	wake      chan struct{}                    // closed (and replaced) on every change
}

func newContainer(p *podRuntime, spec corev1.Container) *container {
	return &container{p: p, spec: spec, wake: make(chan struct{})}
}

// changed wakes log followers and attachers; c.mu must be held.
func (c *container) changedLocked() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// write appends a line to the log of the running instance.
func (c *container) write(text string) {
	c.mu.Lock()
	c.log = append(c.log, logLine{at: time.Now(), text: text})
	c.changedLocked()
	c.mu.Unlock()
}

func (c *container) setting(key string) (string, bool) { return c.p.annotation(key, c.spec.Name) }

// run plays the container: start, write the log lines, maybe end with the
// exit code, and restart as the pod's restartPolicy says.
func (c *container) run(ctx context.Context) {
	lines := 0
	if v, ok := c.setting(annLogLines); ok {
		if n, err := strconv.Atoi(v); err == nil {
			lines = n
		}
	}
	var interval, runFor time.Duration
	if v, ok := c.setting(annLogInterval); ok {
		interval, _ = time.ParseDuration(v)
	}
	if v, ok := c.setting(annRunFor); ok {
		runFor, _ = time.ParseDuration(v)
	}
	text, ok := c.setting(annLogText)
	if !ok {
		text = defaultLogText
	}
	exitCode, exits := 0, false
	if v, ok := c.setting(annExitCode); ok {
		if n, err := strconv.Atoi(v); err == nil {
			exitCode, exits = n, true
		}
	}
	for {
		c.mu.Lock()
		c.running, c.waiting, c.startedAt = true, false, time.Now()
		c.changedLocked()
		c.mu.Unlock()
		c.p.poke()

		began := time.Now()
		for n := 1; lines < 0 || n <= lines; n++ {
			if n > 1 && interval > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(interval):
				}
			}
			if ctx.Err() != nil {
				return
			}
			r := strings.NewReplacer("{n}", strconv.Itoa(n), "{container}", c.spec.Name, "{pod}", c.p.pod.Name)
			c.write(r.Replace(text))
		}
		if !exits {
			<-ctx.Done()
			return
		}
		if wait := runFor - time.Since(began); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		c.mu.Lock()
		reason := "Completed"
		if exitCode != 0 {
			reason = "Error"
		}
		c.running = false
		c.last = &corev1.ContainerStateTerminated{
			ExitCode: int32(exitCode), Reason: reason,
			StartedAt: metav1.NewTime(c.startedAt), FinishedAt: metav1.Now(),
			ContainerID: containerID(c.p.pod.UID, c.spec.Name, c.restarts),
		}
		policy := c.p.pod.Spec.RestartPolicy
		restart := policy == corev1.RestartPolicyAlways || policy == "" || (policy == corev1.RestartPolicyOnFailure && exitCode != 0)
		c.waiting = restart
		c.changedLocked()
		c.mu.Unlock()
		c.p.poke()
		if !restart {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(restartBackoff):
		}
		c.mu.Lock()
		c.previous, c.log = c.log, nil
		c.restarts++
		c.mu.Unlock()
	}
}

func (c *container) status() corev1.ContainerStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := corev1.ContainerStatus{
		Name: c.spec.Name, Image: c.spec.Image, ImageID: "harness://" + c.spec.Image,
		ContainerID:  containerID(c.p.pod.UID, c.spec.Name, c.restarts),
		RestartCount: int32(c.restarts),
		Started:      ptr.To(c.running),
		Ready:        c.running,
	}
	switch {
	case c.running:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(c.startedAt)}
	case c.waiting:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off restarting the harness container"}
	case c.last != nil:
		cs.State.Terminated = c.last
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	}
	if cs.State.Terminated == nil && c.last != nil {
		cs.LastTerminationState.Terminated = c.last // running again, or waiting to
	}
	return cs
}

// echoServer accepts TCP connections on loopback and writes back what it reads:
// the default far end of port-forward.
func echoServer(ctx context.Context) (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				buf := make([]byte, 32*1024)
				for {
					n, err := conn.Read(buf)
					if n > 0 {
						if _, werr := conn.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, nil
}
