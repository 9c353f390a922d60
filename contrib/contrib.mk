# contrib/: recipes that run parakit on the batch systems users have
# (contrib/slurm: a Slurm job array and a merge job; contrib/parallel: GNU
# parallel over ssh), shipped as scripts. Their tests start the real
# engines on this machine: a one-node Slurm cluster, and sshd on a spare
# port for parallel's ssh logins; rsync is how parallel's --transferfile
# and --return move files.
DEB_PKGS += slurmctld slurmd slurm-client munge parallel rsync openssh-server openssh-client

# The sharded scan on a one-node Slurm against one scan of the apt cache,
# and the projection of a Debian-sized archive (as root: minutes).
.PHONY: bench-cluster
bench-cluster: deps all
	bash bench/scan-cluster.sh $(O)/parakit
