"""cluster-info: the addresses kubectl shows for cluster services."""

from __future__ import annotations

import pytest

from dynclient.cli.cluster_info import service_link


@pytest.mark.parametrize("service,link", [
    ({"metadata": {"name": "kube-dns", "namespace": "kube-system"}, "spec": {"ports": [{"name": "dns", "port": 53}]}},
     "https://h/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"),
    ({"metadata": {"name": "dash", "namespace": "kube-system"}, "spec": {"ports": [{"port": 443}]}},
     "https://h/api/v1/namespaces/kube-system/services/https:dash/proxy"),
    ({"metadata": {"name": "lb"}, "spec": {"ports": [{"port": 80}, {"port": 81}]},
      "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}}, "http://1.2.3.4:80 http://1.2.3.4:81 "),
], ids=["named-port", "https-guess", "load-balancer"])
def test_service_link(service, link):
    assert service_link("https://h", service) == link
