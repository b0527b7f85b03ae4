package serve

import "crypto/tls"

// TLSConfig returns a copy of base (an empty config when nil) with the key
// pair in certFile and keyFile added to its certificates when either name
// is given: what ListenAndServeTLS serves.
func TLSConfig(base *tls.Config, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	return cfg, nil
}
