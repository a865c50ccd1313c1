module github.com/gregorkafka/gregor

go 1.26.8

require (
	github.com/klauspost/compress v1.20.3
	github.com/pierrec/lz4/v4 v4.1.33
)

require github.com/twmb/franz-go v1.22.2 // indirect
