# contrib/: recipes that run parakit on the batch systems users have
# (contrib/slurm: a Slurm job array and a merge job; contrib/parallel: GNU
# parallel over ssh), shipped as scripts. Their tests start the real
# engines on this machine: a one-node Slurm cluster, and sshd on a spare
# port for parallel's ssh logins.
DEB_PKGS += slurmctld slurmd slurm-client munge parallel rsync openssh-server openssh-client
