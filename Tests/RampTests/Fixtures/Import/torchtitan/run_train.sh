#!/usr/bin/bash
# The shape of torchtitan's run_train.sh, launched with overrides of the job file's values.
NGPU=${NGPU:-"8"}
CONFIG_FILE=${CONFIG_FILE:-"./train_configs/debug_model.toml"}

PYTORCH_ALLOC_CONF="expandable_segments:True" \
torchrun --nproc_per_node=${NGPU} --rdzv_backend c10d --rdzv_endpoint="localhost:0" \
-m torchtitan.train --job.config_file ${CONFIG_FILE} --lr_scheduler.warmup_steps 4 --training.steps=20 \
    --lr_scheduler.decay_type cosine "$@"
