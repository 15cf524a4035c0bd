module dynclient.bench/latencyproxy

go 1.22
