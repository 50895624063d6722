# The xpuflow image the Helm charts run (charts/xpuflow and, in the DPU
# clusters, charts/xpuflow-dpu-worker: image.repository, tag = the charts'
# appVersion = package.json's version). One image for every process: the
# entrypoint is the xpuflow CLI, the chart picks the command (controller,
# worker control, worker host, worker dpu).
#
#   docker build -t xpuflow:0.1.0 .
#   scripts/image-build-local.sh      (buildah, no registry: makes the base locally)
#
# test/image/runtime-tree.test.ts lays out the final stage from its COPY and
# RUN lines and starts every entry point from it: keep to COPY, WORKDIR, ENV,
# and RUN lines of apt-get and npm (the test refuses what it cannot replay).
#
# Build stage: all dependencies, TypeScript build and the prebuilt workflow bundle.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: npm 11 leaves other platforms' optional packages
# (e.g. the arm64 ones a BlueField needs) out of the lock file, which npm ci
# then refuses; --no-save keeps the lock file as committed.
RUN npm install --no-save --no-audit --no-fund --loglevel=error
# The sources (.dockerignore leaves out node_modules, dist, tests and local state).
COPY . .
RUN npm run build
# xpuflow-cni as one self-contained executable (dist/xpuflow-cni, a Node single
# executable application); the host DaemonSet's init container copies it into
# the node's CNI bin directory.
RUN scripts/build-cni.sh

# Runtime stage: production dependencies, dist/ and the .proto files only.
FROM node:20-slim
ENV NODE_ENV=production
# The commands the workers run through execa: ovs-vsctl and ovs-ofctl (DPU
# worker: service chains on the DPU's Open vSwitch, reached through the
# mounted socket directory; no OVS daemon runs in this image) and ip (host
# worker: VF netdevs into pod network namespaces).
RUN apt-get update \
 && apt-get install -y --no-install-recommends openvswitch-switch openvswitch-common iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force
COPY --from=build /app/dist dist
# Every .proto the processes load at run time (proto/load.ts, proto/load-vf.ts):
# gNOI for DMS (control worker), the kubelet device plugin API and the host
# agent (host worker, xpuflow-cni), OPI evpn-gw (DPU worker). The image test
# (test/image/runtime-tree.test.ts) starts every entry point from this list.
COPY proto/gnoi proto/gnoi
COPY proto/kubelet proto/kubelet
COPY proto/hostagent proto/hostagent
COPY proto/opi proto/opi
# The image's own user (node, uid 1000), numeric so runAsNonRoot can check it.
# The host worker's DaemonSet runs as root instead: it writes sysfs.
USER 1000:1000
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
