image "redis"
